{{/* Chart name, overridable with nameOverride. */}}
{{- define "echo-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name used as prefix of every object: fullnameOverride, else <release> or <release>-<chart>. */}}
{{- define "echo-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels identifying the operator pods (immutable: used by the Deployment selector). */}}
{{- define "echo-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "echo-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of every object of the chart. */}}
{{- define "echo-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "echo-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: echo-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* ServiceAccount name. */}}
{{- define "echo-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "echo-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Operator image reference: repository@digest, else repository:tag (tag defaults to the appVersion). */}}
{{- define "echo-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Default echo-server image handed to the operator. */}}
{{- define "echo-operator.echoServerImage" -}}
{{- default (printf "ghcr.io/echo-platform/echo-server:%s" .Chart.AppVersion) .Values.echoServer.image }}
{{- end }}

{{/* Name of the metrics Service (also the Prometheus job name of the ServiceMonitor). */}}
{{- define "echo-operator.metricsServiceName" -}}
{{- printf "%s-metrics" (include "echo-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
RBAC rules of the operator for the EchoServices and their children, granted cluster-wide or per watched namespace.
Exactly what the operator uses (docs/deploy.md, "RBAC"); a test compares the rendered rules with this list.
*/}}
{{- define "echo-operator.rules" -}}
- apiGroups: ["echo.platform.dev"]
  resources: ["echoservices"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["echo.platform.dev"]
  resources: ["echoservices/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: ["echo.platform.dev"]
  resources: ["echoservices/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["configmaps", "services"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["monitoring.coreos.com"]
  resources: ["podmonitors"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}

{{/* Cross-field checks the JSON schema cannot express with a clear message. */}}
{{- define "echo-operator.validate" -}}
{{- if and (not .Values.leaderElection.enabled) (gt (int .Values.replicaCount) 1) }}
{{- fail (printf "replicaCount is %d but leaderElection.enabled is false: without leader election only one operator replica may run (two would reconcile the same EchoServices concurrently). Set replicaCount=1 or leaderElection.enabled=true." (int .Values.replicaCount)) }}
{{- end }}
{{- if ne (len .Values.watchNamespaces) (len (uniq .Values.watchNamespaces)) }}
{{- fail (printf "watchNamespaces lists a namespace more than once: %s" (join "," .Values.watchNamespaces)) }}
{{- end }}
{{- end }}
