{{/* One platform Deployment: the shared image, hardening, environment and volumes; the caller gives the rest.
Arguments: root, component, replicas, args, port (optional), probePath (optional: HTTP probes),
readinessPath (optional), grpcProbe (optional), resources. */}}
{{- define "hugdata.deployment" -}}
{{- $root := .root -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ printf "%s-%s" (include "hugdata.fullname" $root) .component }}
  labels:
    {{- include "hugdata.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  replicas: {{ .replicas }}
  selector:
    matchLabels:
      {{- include "hugdata.selectorLabels" (dict "root" $root "component" .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "hugdata.selectorLabels" (dict "root" $root "component" .component) | nindent 8 }}
      annotations:
        checksum/instance: {{ include (print $root.Template.BasePath "/configmap-instance.yaml") $root | sha256sum }}
    spec:
      serviceAccountName: {{ include "hugdata.fullname" $root }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- include "hugdata.podSecurityContext" $root | nindent 8 }}
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
          livenessProbe:
            grpc: {port: {{ .port }}}
            periodSeconds: 10
          readinessProbe:
            grpc: {port: {{ .port }}}
            periodSeconds: 5
          {{- end }}
          env:
            {{- include "hugdata.env" $root | nindent 12 }}
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
