{{/* dagster.yaml and workspace.yaml of the instance (templates/configmap-instance.yaml). */}}
{{- define "hugdata.instanceData" -}}
dagster.yaml: |
  storage:
    postgres:
      postgres_db:
        hostname: {{ include "hugdata.postgresHost" . | quote }}
        port: {{ .Values.postgres.port }}
        username: {{ .Values.postgres.user | quote }}
        db_name: {{ .Values.postgres.dagsterDatabase | quote }}
        password:
          env: DAGSTER_PG_PASSWORD
        # dagster-postgres's LISTEN/NOTIFY needs psycopg2; SQLAlchemy 2.1 gives plain postgresql:// to psycopg 3.
        scheme: postgresql+psycopg2
  run_launcher:
    # dagster-k8s's K8sRunLauncher, extended to put a run in its tenant's namespace when the run names one.
    module: hugdata.platform.k8s_launcher
    class: TenantNamespaceK8sRunLauncher
    config:
      load_incluster_config: true
      job_namespace: {{ include "hugdata.runNamespace" . | quote }}
      service_account_name: {{ include "hugdata.runServiceAccount" . | quote }}
      job_image: {{ include "hugdata.image" . | quote }}
      image_pull_policy: {{ .Values.image.pullPolicy | quote }}
      {{- with .Values.imagePullSecrets }}
      image_pull_secrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      instance_config_map: {{ printf "%s-instance" (include "hugdata.fullname" .) | quote }}
      dagster_home: /opt/dagster/home
      security_context:
        {{- include "hugdata.containerSecurityContext" . | nindent 8 }}
      # What every run pod gets besides its tier's resources and labels: the platform's environment (secrets by
      # reference), writable emptyDirs on its read-only root, no service-account token, and Job hygiene.
      run_k8s_config:
        container_config:
          env:
            {{- include "hugdata.platformEnv" (dict "root" . "scope" "run") | nindent 12 }}
          volumeMounts:
            {{- include "hugdata.runVolumeMounts" . | nindent 12 }}
        pod_spec_config:
          automountServiceAccountToken: false
          securityContext:
            {{- include "hugdata.podSecurityContext" . | nindent 12 }}
          volumes:
            {{- include "hugdata.runVolumes" . | nindent 12 }}
        job_spec_config:
          ttlSecondsAfterFinished: {{ .Values.runs.jobTtlSecondsAfterFinished }}
          backoffLimit: 0
  run_coordinator:
    module: dagster._core.run_coordinator
    class: QueuedRunCoordinator
    config:
      max_concurrent_runs: {{ .Values.runs.maxConcurrent }}
      tag_concurrency_limits:
        - key: dagster/partition
          value:
            applyLimitPerUniqueValue: true
          limit: {{ .Values.runs.perProject }}
      # A run whose code server does not answer at launch goes back in line, this often and this much later.
      max_user_code_failure_retries: {{ .Values.runs.launchRetries }}
      user_code_failure_retry_delay: {{ .Values.runs.launchRetryDelaySeconds }}
      dequeue_use_threads: true
      dequeue_num_workers: {{ .Values.runs.dequeueWorkers }}
      dequeue_interval_seconds: {{ .Values.runs.dequeueIntervalSeconds }}
  # New runs for runs whose worker crashed or never started; a failed step has its own retry policy.
  run_retries:
    enabled: {{ gt (int .Values.runs.retries) 0 }}
    max_retries: {{ .Values.runs.retries }}
    retry_on_asset_or_op_failure: false
  retention:
    schedule:
      purge_after_days: {skipped: 1, success: {{ .Values.retention.tickDays }}, failure: {{ .Values.retention.tickDays }}, started: {{ .Values.retention.tickDays }}}
    sensor:
      purge_after_days: {skipped: 1, success: {{ .Values.retention.tickDays }}, failure: {{ .Values.retention.tickDays }}, started: {{ .Values.retention.tickDays }}}
  run_monitoring:
    enabled: true
    poll_interval_seconds: {{ .Values.runs.monitoringIntervalSeconds }}
    start_timeout_seconds: 300
    max_resume_run_attempts: 0
  telemetry:
    enabled: false
workspace.yaml: |
  load_from:
    - grpc_server:
        host: {{ printf "%s-code-server" (include "hugdata.fullname" .) | quote }}
        port: {{ .Values.codeServer.port }}
        location_name: hugdata.platform.definitions
{{- end -}}
