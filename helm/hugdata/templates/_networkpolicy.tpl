{{/* Egress rules the NetworkPolicies share (templates/networkpolicy.yaml). */}}

{{/* The cluster's DNS. */}}
{{- define "hugdata.netpol.dns" -}}
to:
  - namespaceSelector:
      matchLabels: {kubernetes.io/metadata.name: {{ .Values.networkPolicy.dns.namespace }}}
    podSelector:
      matchLabels:
        {{- toYaml .Values.networkPolicy.dns.podLabels | nindent 8 }}
ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
{{- end -}}

{{/* The platform's Postgres: the bundled pod, the listed addresses, or any allowed address on its port. */}}
{{- define "hugdata.netpol.database" -}}
{{- if .Values.bundledPostgres.enabled -}}
to:
  - namespaceSelector:
      matchLabels: {kubernetes.io/metadata.name: {{ .Release.Namespace }}}
    podSelector:
      matchLabels:
        {{- include "hugdata.selectorLabels" (dict "root" . "component" "postgres") | nindent 8 }}
ports: [{port: 5432, protocol: TCP}]
{{- else -}}
{{ include "hugdata.netpol.external" (dict "root" . "cidrs" (.Values.networkPolicy.platformDatabaseCIDRs | default (list "0.0.0.0/0")) "ports" (list .Values.postgres.port)) }}
{{- end -}}
{{- end -}}

{{/* Addresses outside the cluster's pods (cidrs) on some ports. A rule open to the whole internet (0.0.0.0/0) leaves
out the denied ranges (the cloud metadata endpoint) and the Kubernetes API's addresses. */}}
{{- define "hugdata.netpol.external" -}}
{{- $np := .root.Values.networkPolicy -}}
{{- $except := concat $np.deniedCIDRs $np.kubernetesApi.cidrs | uniq -}}
to:
  {{- range $cidr := .cidrs }}
  - ipBlock:
      cidr: {{ $cidr }}
      {{- if and (eq $cidr "0.0.0.0/0") $except }}
      except: {{ toJson $except }}
      {{- end }}
  {{- end }}
ports:
  {{- range $port := .ports }}
  - {port: {{ $port }}, protocol: TCP}
  {{- end }}
{{- end -}}

{{/* The Kubernetes API: its listed addresses, or any allowed address on its ports. */}}
{{- define "hugdata.netpol.kubernetes" -}}
{{- $api := .Values.networkPolicy.kubernetesApi -}}
to:
  {{- range $cidr := $api.cidrs | default (list "0.0.0.0/0") }}
  - ipBlock:
      cidr: {{ $cidr }}
      {{- if eq $cidr "0.0.0.0/0" }}
      except: {{ toJson $.Values.networkPolicy.deniedCIDRs }}
      {{- end }}
  {{- end }}
ports:
  {{- range $port := $api.ports }}
  - {port: {{ $port }}, protocol: TCP}
  {{- end }}
{{- end -}}
