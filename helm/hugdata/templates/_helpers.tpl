{{- define "hugdata.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hugdata.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "hugdata.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "hugdata.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "hugdata.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "hugdata.fullname" .)) -}}
{{- end -}}

{{- define "hugdata.postgresSecretName" -}}
{{- .Values.postgres.existingSecret | default (include "hugdata.secretName" .) -}}
{{- end -}}

{{- define "hugdata.postgresHost" -}}
{{- if .Values.bundledPostgres.enabled -}}
{{- printf "%s-postgres" (include "hugdata.fullname" .) -}}
{{- else -}}
{{- .Values.postgres.host -}}
{{- end -}}
{{- end -}}

{{- define "hugdata.runNamespace" -}}
{{- .Values.runs.namespace | default .Release.Namespace -}}
{{- end -}}

{{- define "hugdata.runServiceAccount" -}}
{{- printf "%s-run" (include "hugdata.fullname" .) -}}
{{- end -}}

{{/* Pod-level hardening shared by every pod of the chart. */}}
{{- define "hugdata.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "hugdata.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Environment of every platform container, run pods included: settings by value, secrets only by reference.
The database URLs are assembled by Kubernetes from the password variable, so no password is written into a
manifest. DAGSTER_HOME is not here: the Deployments add it, and dagster-k8s sets it on run pods itself. */}}
{{- define "hugdata.platformEnv" -}}
- name: HUGDATA_ENVIRONMENT
  value: production
- name: HUGDATA_STATE_DIR
  value: /var/lib/hugdata
- name: HOME
  value: /tmp
- name: HUGDATA_DAGSTER_HOME
  value: /opt/dagster/home
- name: HUGDATA_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "hugdata.postgresSecretName" . }}
      key: {{ .Values.postgres.passwordKey }}
- name: DAGSTER_PG_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "hugdata.postgresSecretName" . }}
      key: {{ .Values.postgres.passwordKey }}
- name: HUGDATA_DATABASE_URL
  value: {{ printf "postgresql+psycopg://%s:$(HUGDATA_DB_PASSWORD)@%s:%v/%s" .Values.postgres.user (include "hugdata.postgresHost" .) .Values.postgres.port .Values.postgres.hugdataDatabase | quote }}
- name: HUGDATA_DAGSTER_DATABASE_URL
  value: {{ printf "postgresql+psycopg2://%s:$(HUGDATA_DB_PASSWORD)@%s:%v/%s" .Values.postgres.user (include "hugdata.postgresHost" .) .Values.postgres.port .Values.postgres.dagsterDatabase | quote }}
{{- with (include "hugdata.publicUrl" .) }}
- name: HUGDATA_PUBLIC_URL
  value: {{ . | quote }}
{{- end }}
- name: HUGDATA_DAGSTER_GRAPHQL_URL
  value: {{ printf "http://%s-webserver:%v/graphql" (include "hugdata.fullname" .) .Values.webserver.port | quote }}
- name: HUGDATA_RUNS_MAX_CONCURRENT
  value: {{ .Values.runs.maxConcurrent | quote }}
- name: HUGDATA_RUNS_PER_PROJECT
  value: {{ .Values.runs.perProject | quote }}
- name: HUGDATA_RUN_STATUS_SENSOR_LIMIT
  value: {{ .Values.runs.statusSensorLimit | quote }}
- name: HUGDATA_AUTOMATION_BATCH_SIZE
  value: {{ .Values.runs.automationBatchSize | quote }}
- name: HUGDATA_RUN_RETENTION_DAYS
  value: {{ .Values.retention.runDays | quote }}
- name: HUGDATA_SCHEMA_PROBE_INTERVAL_S
  value: {{ .Values.schemaProbes.intervalSeconds | quote }}
- name: HUGDATA_SCHEMA_PROBE_WORKERS
  value: {{ .Values.schemaProbes.workers | quote }}
{{- if .Values.runs.namespacePerTenant.enabled }}
- name: HUGDATA_RUN_NAMESPACE_PREFIX
  value: {{ .Values.runs.namespacePerTenant.prefix | quote }}
{{- end }}
- name: HUGDATA_QUOTA_SEARCH_PER_MINUTE
  value: {{ .Values.quotas.searchPerMinute | toJson | quote }}
- name: HUGDATA_QUOTA_ASK_PER_MINUTE
  value: {{ .Values.quotas.askPerMinute | toJson | quote }}
- name: HUGDATA_QUOTA_LLM_TOKENS_PER_DAY
  value: {{ .Values.quotas.llmTokensPerDay | toJson | quote }}
- name: HUGDATA_RUN_TIER_RESOURCES
  value: {{ .Values.runs.tiers | toJson | quote }}
{{- if .Values.tracing.enabled }}
- name: HUGDATA_TRACING_ENABLED
  value: "true"
- name: HUGDATA_TRACING_SAMPLE_RATIO
  value: {{ .Values.tracing.sampleRatio | quote }}
{{- with .Values.tracing.endpoint }}
- name: HUGDATA_TRACING_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- end }}
- name: HUGDATA_ADMIN_TOKEN
  valueFrom: {secretKeyRef: {name: {{ include "hugdata.secretName" . }}, key: admin-token}}
- name: HUGDATA_ENCRYPTION_KEYS
  valueFrom: {secretKeyRef: {name: {{ include "hugdata.secretName" . }}, key: encryption-keys}}
- name: HUGDATA_WEBHOOK_SECRET
  valueFrom: {secretKeyRef: {name: {{ include "hugdata.secretName" . }}, key: webhook-secret}}
- name: HUGDATA_METRICS_TOKEN
  valueFrom: {secretKeyRef: {name: {{ include "hugdata.secretName" . }}, key: metrics-token, optional: true}}
- name: HUGDATA_EMBEDDING_API_KEY
  valueFrom: {secretKeyRef: {name: {{ include "hugdata.secretName" . }}, key: llm-api-key, optional: true}}
{{- end -}}

{{- define "hugdata.env" -}}
- name: DAGSTER_HOME
  value: /opt/dagster/home
{{ include "hugdata.platformEnv" . }}
{{- end -}}

{{/* Writable places on a read-only root filesystem, and the instance's dagster.yaml inside DAGSTER_HOME. */}}
{{- define "hugdata.volumeMounts" -}}
- {name: tmp, mountPath: /tmp}
- {name: state, mountPath: /var/lib/hugdata}
- {name: dagster-home, mountPath: /opt/dagster/home}
- {name: instance, mountPath: /opt/dagster/home/dagster.yaml, subPath: dagster.yaml, readOnly: true}
- {name: instance, mountPath: /opt/dagster/workspace/workspace.yaml, subPath: workspace.yaml, readOnly: true}
{{- end -}}

{{/* A run pod's writable places; dagster-k8s mounts the instance's dagster.yaml into DAGSTER_HOME itself. */}}
{{- define "hugdata.runVolumeMounts" -}}
- {name: tmp, mountPath: /tmp}
- {name: state, mountPath: /var/lib/hugdata}
- {name: dagster-home, mountPath: /opt/dagster/home}
{{- end -}}

{{- define "hugdata.runVolumes" -}}
- {name: tmp, emptyDir: {}}
- {name: state, emptyDir: {}}
- {name: dagster-home, emptyDir: {}}
{{- end -}}

{{/* Every namespace run Jobs may use: runs.namespace, and the per-tenant ones listed. */}}
{{- define "hugdata.runNamespaces" -}}
{{- $namespaces := list (include "hugdata.runNamespace" .) }}
{{- if .Values.runs.namespacePerTenant.enabled }}
{{- $namespaces = concat $namespaces .Values.runs.namespacePerTenant.namespaces | uniq }}
{{- end }}
{{- toJson $namespaces -}}
{{- end -}}

{{/* Objects the pre-install/pre-upgrade migrations hook needs are hooks too, created first: Helm creates a
release's ordinary objects only after its pre-install hooks have run. */}}
{{- define "hugdata.hookFirst" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: {{ .weight | quote }}
helm.sh/hook-delete-policy: before-hook-creation
{{- end -}}

{{- define "hugdata.volumes" -}}
- {name: tmp, emptyDir: {}}
- {name: state, emptyDir: {}}
- {name: dagster-home, emptyDir: {}}
- name: instance
  configMap:
    name: {{ include "hugdata.fullname" . }}-instance
{{- end -}}


{{/* Where browsers reach the API: api.publicUrl, else the Ingress host (https when it has a TLS Secret); empty when
neither is set. Dashboard links are built from it, never from a request's Host header. */}}
{{- define "hugdata.publicUrl" -}}
{{- if .Values.api.publicUrl -}}
{{- .Values.api.publicUrl -}}
{{- else if .Values.ingress.enabled -}}
{{- printf "%s://%s" (ternary "https" "http" (ne .Values.ingress.tlsSecret "")) .Values.ingress.host -}}
{{- end -}}
{{- end -}}
