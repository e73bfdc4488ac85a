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

{{/* The Secret run pods read in every run namespace: runs.existingSecret, or the chart's own copy. */}}
{{- define "hugdata.runSecretName" -}}
{{- .Values.runs.existingSecret | default (printf "%s-run" (include "hugdata.fullname" .)) -}}
{{- end -}}

{{/* The migrations hook's own copy of the database password, when the chart keeps the password itself. */}}
{{- define "hugdata.migrationsSecretName" -}}
{{- printf "%s-migrations" (include "hugdata.fullname" .) -}}
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

{{/* Environment of every platform container, run pods included: settings by value, secrets only by reference, and
of those only the ones its workload reads (scope: api, code-server, platform for the daemon, webserver, exporter and
migrations, run for tenant run pods). The database URLs are assembled by Kubernetes from the password variable, so no
password is written into a manifest. DAGSTER_HOME is not here: the Deployments add it, and dagster-k8s sets it on run
pods itself. */}}
{{- define "hugdata.platformEnv" -}}
{{- $root := .root -}}
{{- $scope := .scope -}}
{{- $passwordSecret := include "hugdata.postgresSecretName" $root -}}
{{- $keysSecret := include "hugdata.secretName" $root -}}
{{- if eq $scope "run" }}
{{- $passwordSecret = include "hugdata.runSecretName" $root -}}
{{- $keysSecret = include "hugdata.runSecretName" $root -}}
{{- else if and (eq $scope "migrations") (not $root.Values.postgres.existingSecret) }}
{{- $passwordSecret = include "hugdata.migrationsSecretName" $root -}}
{{- end -}}
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
      name: {{ $passwordSecret }}
      key: {{ $root.Values.postgres.passwordKey }}
- name: DAGSTER_PG_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $passwordSecret }}
      key: {{ $root.Values.postgres.passwordKey }}
- name: HUGDATA_DATABASE_URL
  value: {{ printf "postgresql+psycopg://%s:$(HUGDATA_DB_PASSWORD)@%s:%v/%s" $root.Values.postgres.user (include "hugdata.postgresHost" $root) $root.Values.postgres.port $root.Values.postgres.hugdataDatabase | quote }}
- name: HUGDATA_DAGSTER_DATABASE_URL
  value: {{ printf "postgresql+psycopg2://%s:$(HUGDATA_DB_PASSWORD)@%s:%v/%s" $root.Values.postgres.user (include "hugdata.postgresHost" $root) $root.Values.postgres.port $root.Values.postgres.dagsterDatabase | quote }}
{{- with (include "hugdata.publicUrl" $root) }}
- name: HUGDATA_PUBLIC_URL
  value: {{ . | quote }}
{{- end }}
{{ include "hugdata.settingsEnv" $root }}
{{- if has $scope (list "api" "code-server" "run") }}
- name: HUGDATA_ENCRYPTION_KEYS
  valueFrom: {secretKeyRef: {name: {{ $keysSecret }}, key: encryption-keys}}
{{- end }}
{{- if has $scope (list "api" "run") }}
- name: HUGDATA_EMBEDDING_API_KEY
  valueFrom: {secretKeyRef: {name: {{ $keysSecret }}, key: llm-api-key, optional: true}}
{{- end }}
{{- if eq $scope "api" }}
- name: HUGDATA_ADMIN_TOKEN
  valueFrom: {secretKeyRef: {name: {{ $keysSecret }}, key: admin-token}}
- name: HUGDATA_WEBHOOK_SECRET
  valueFrom: {secretKeyRef: {name: {{ $keysSecret }}, key: webhook-secret}}
- name: HUGDATA_METRICS_TOKEN
  valueFrom: {secretKeyRef: {name: {{ $keysSecret }}, key: metrics-token, optional: true}}
{{- end }}
{{- end -}}

{{/* Settings every platform container gets by value. */}}
{{- define "hugdata.settingsEnv" -}}
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
{{ include "hugdata.scratchVolumes" . }}
{{- end -}}

{{/* Every namespace run Jobs may use: runs.namespace, and the per-tenant ones listed. */}}
{{- define "hugdata.runNamespaces" -}}
{{- $namespaces := list (include "hugdata.runNamespace" .) }}
{{- if .Values.runs.namespacePerTenant.enabled }}
{{- $namespaces = concat $namespaces .Values.runs.namespacePerTenant.namespaces | uniq }}
{{- end }}
{{- toJson $namespaces -}}
{{- end -}}

{{- define "hugdata.volumes" -}}
{{ include "hugdata.scratchVolumes" . }}
- name: instance
  configMap:
    name: {{ include "hugdata.fullname" . }}-instance
{{- end -}}

{{/* The writable emptyDirs on a read-only root, each with a size limit: a pod filling one is evicted alone. */}}
{{- define "hugdata.scratchVolumes" -}}
- {name: tmp, emptyDir: {sizeLimit: {{ .Values.scratch.tmp }}}}
- {name: state, emptyDir: {sizeLimit: {{ .Values.scratch.state }}}}
- {name: dagster-home, emptyDir: {sizeLimit: {{ .Values.scratch.dagsterHome }}}}
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

{{/* "true" when Helm talks to a cluster (install, upgrade, --dry-run=server); empty for helm template and GitOps
renders, where lookup sees nothing. */}}
{{- define "hugdata.online" -}}
{{- if lookup "v1" "Namespace" "" .Release.Namespace -}}true{{- end -}}
{{- end -}}

{{/* A digest of every secret value the platform's pods read: in their pod template, so a rotated secret (in values,
or in an existing Secret when Helm can read it) rolls them at the next upgrade. */}}
{{- define "hugdata.secretsChecksum" -}}
{{- $seen := dict "values" (dict "secrets" .Values.secrets "password" .Values.postgres.password) -}}
{{- range $name := list (include "hugdata.secretName" .) (include "hugdata.postgresSecretName" .) | uniq -}}
{{- $_ := set $seen $name ((get ((lookup "v1" "Secret" $.Release.Namespace $name) | default dict) "data") | default dict) -}}
{{- end -}}
{{- toJson $seen | sha256sum -}}
{{- end -}}
