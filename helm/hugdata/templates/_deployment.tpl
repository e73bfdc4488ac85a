{{/* One platform Deployment: the shared image, hardening, environment and volumes; the caller gives the rest.
Arguments: root, component, scope (which secrets its environment reads: api, code-server or platform), replicas
(omitted, for a Deployment its HorizontalPodAutoscaler sizes), args, port (optional), portName (optional),
probePath (optional: HTTP probes), readinessPath (optional), grpcProbe (optional), execLiveness (optional: a command),
kubeToken (whether the pod mounts the service account's token: only what calls the Kubernetes API), recreate
(optional: never two pods at once), spread (optional: spread replicas over nodes and zones), resources. */}}
{{- define "hugdata.deployment" -}}
{{- $root := .root -}}
{{- $selector := include "hugdata.selectorLabels" (dict "root" $root "component" .component) -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ printf "%s-%s" (include "hugdata.fullname" $root) .component }}
  labels:
    {{- include "hugdata.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if not (kindIs "invalid" .replicas) }}
  replicas: {{ .replicas }}
  {{- end }}
  {{- if .recreate }}
  strategy:
    type: Recreate
  {{- end }}
  selector:
    matchLabels:
      {{- $selector | nindent 6 }}
  template:
    metadata:
      labels:
        {{- $selector | nindent 8 }}
      annotations:
        checksum/instance: {{ include "hugdata.instanceData" $root | sha256sum }}
        checksum/secret: {{ include "hugdata.secretsChecksum" $root }}
    spec:
      serviceAccountName: {{ include "hugdata.fullname" $root }}
      automountServiceAccountToken: {{ .kubeToken | default false }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- include "hugdata.podSecurityContext" $root | nindent 8 }}
      {{- if .spread }}
      topologySpreadConstraints:
        {{- range $key := list "kubernetes.io/hostname" "topology.kubernetes.io/zone" }}
        - maxSkew: 1
          topologyKey: {{ $key }}
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- $selector | nindent 14 }}
        {{- end }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "hugdata.image" $root | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args:
            {{- toYaml .args | nindent 12 }}
          {{- if .port }}
          ports:
            - name: {{ .portName | default "http" }}
              containerPort: {{ .port }}
          {{- end }}
          {{- if .probePath }}
          startupProbe:
            httpGet: {path: {{ .probePath }}, port: {{ .portName | default "http" }}}
            periodSeconds: 5
            failureThreshold: 60
          livenessProbe:
            httpGet: {path: {{ .probePath }}, port: {{ .portName | default "http" }}}
            periodSeconds: 10
            failureThreshold: 3
          readinessProbe:
            httpGet: {path: {{ .readinessPath | default .probePath }}, port: {{ .portName | default "http" }}}
            periodSeconds: 5
            failureThreshold: 3
          {{- end }}
          {{- if .grpcProbe }}
          startupProbe:
            grpc: {port: {{ .port }}}
            periodSeconds: 5
            failureThreshold: 60
          livenessProbe:
            grpc: {port: {{ .port }}}
            periodSeconds: 10
          readinessProbe:
            grpc: {port: {{ .port }}}
            periodSeconds: 5
          {{- end }}
          {{- with .execLiveness }}
          startupProbe:
            exec: {command: {{ toJson . }}}
            periodSeconds: 10
            timeoutSeconds: 30
            failureThreshold: 30
          livenessProbe:
            exec: {command: {{ toJson . }}}
            periodSeconds: 60
            timeoutSeconds: 30
            failureThreshold: 3
          {{- end }}
          env:
            {{- include "hugdata.env" (dict "root" $root "scope" .scope) | nindent 12 }}
          securityContext:
            {{- include "hugdata.containerSecurityContext" $root | nindent 12 }}
          resources:
            {{- toYaml .resources | nindent 12 }}
          volumeMounts:
            {{- include "hugdata.volumeMounts" $root | nindent 12 }}
      volumes:
        {{- include "hugdata.volumes" $root | nindent 8 }}
{{- end -}}

{{- define "hugdata.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ printf "%s-%s" (include "hugdata.fullname" .root) .component }}
  labels:
    {{- include "hugdata.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  selector:
    {{- include "hugdata.selectorLabels" (dict "root" .root "component" .component) | nindent 4 }}
  ports:
    - name: {{ .portName | default "http" }}
      port: {{ .port }}
      targetPort: {{ .portName | default "http" }}
{{- end -}}
