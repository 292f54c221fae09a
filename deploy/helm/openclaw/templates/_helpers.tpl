{{/*
Names and labels of one instance. They must equal the Manager's builders
(deploy/manager/src/k8s/builders) and docs/ARCHITECTURE.md "An instance":
deploy/helm/test/chart-vs-builders.test.ts compares the two.
*/}}

{{/* <userId>-openclaw: Deployment, Service, Secret, ConfigMap, NetworkPolicy, Ingress, ManagedCertificate. */}}
{{- define "openclaw.name" -}}
{{- required "userId is required (a DNS-1123 label of at most 49 characters)" .Values.userId -}}-openclaw
{{- end -}}

{{/* <userId>-openclaw-data: the PVC. */}}
{{- define "openclaw.pvcName" -}}
{{- include "openclaw.name" . -}}-data
{{- end -}}

{{/* Labels on every object. managed-by is "Helm" here and "openclaw-manager" in the Manager. */}}
{{- define "openclaw.labels" -}}
openclaw.ai/user: {{ .Values.userId | quote }}
app.kubernetes.io/name: openclaw
app.kubernetes.io/instance: {{ include "openclaw.name" . | quote }}
app.kubernetes.io/component: gateway
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
{{- end -}}

{{/* The pod selector (Deployment, Service, NetworkPolicy). */}}
{{- define "openclaw.selectorLabels" -}}
openclaw.ai/user: {{ .Values.userId | quote }}
app.kubernetes.io/name: openclaw
app.kubernetes.io/instance: {{ include "openclaw.name" . | quote }}
{{- end -}}

{{/* <repository>:<tag> of the one image both containers run. */}}
{{- define "openclaw.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}

{{/*
A token for the Secret: the value given in values, else the one already stored in the
Secret (so helm upgrade never rotates it), else a new random one.
Usage: include "openclaw.token" (list $ "OPENCLAW_GATEWAY_TOKEN" .Values.gatewayToken)
*/}}
{{- define "openclaw.token" -}}
{{- $root := index . 0 -}}
{{- $key := index . 1 -}}
{{- $given := index . 2 -}}
{{- if $given -}}
{{- $given -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" $root.Release.Namespace (include "openclaw.name" $root) -}}
{{- $stored := "" -}}
{{- if and $existing $existing.data -}}
{{- $stored = index $existing.data $key | default "" -}}
{{- end -}}
{{- if $stored -}}
{{- $stored | b64dec -}}
{{- else -}}
{{- randAlphaNum 43 -}}
{{- end -}}
{{- end -}}
{{- end -}}
