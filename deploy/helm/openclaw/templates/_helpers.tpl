{{/*
Names, labels and tokens of one instance. They must equal the Manager's builders
(deploy/manager/src/k8s/builders) and docs/ARCHITECTURE.md "An instance":
deploy/helm/test/chart-vs-builders.test.ts compares the two field by field.
*/}}

{{/* <userId>-openclaw: Deployment, Service, Secret, ConfigMap, NetworkPolicy, Ingress, ManagedCertificate. */}}
{{- define "openclaw.name" -}}
{{- required "userId is required (a DNS-1123 label of at most 49 characters)" .Values.userId -}}-openclaw
{{- end -}}

{{/* <userId>-openclaw-data: the PVC. */}}
{{- define "openclaw.pvcName" -}}
{{- include "openclaw.name" . -}}-data
{{- end -}}

{{/* metadata name, namespace and labels shared by every object. */}}
{{- define "openclaw.metadata" -}}
namespace: {{ .Release.Namespace | quote }}
labels:
  {{- include "openclaw.labels" . | nindent 2 }}
{{- end -}}

{{/* Labels on every object. managed-by is "Helm" here and "openclaw-manager" in the Manager. */}}
{{- define "openclaw.labels" -}}
openclaw.ai/user: {{ .Values.userId | quote }}
app.kubernetes.io/name: openclaw
app.kubernetes.io/instance: {{ include "openclaw.name" . | quote }}
app.kubernetes.io/component: gateway
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
{{- end -}}

{{/* The immutable pod selector (Deployment, Service, NetworkPolicy). */}}
{{- define "openclaw.selectorLabels" -}}
openclaw.ai/user: {{ .Values.userId | quote }}
app.kubernetes.io/name: openclaw
{{- end -}}

{{/* <repository>:<tag> of the one image both containers run. */}}
{{- define "openclaw.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}

{{/*
OPENCLAW_GATEWAY_TOKEN and CLAWBOX_AGENT_TOKEN as JSON {"gateway":..,"agent":..}. Each is the
value given in values, else the one already stored in the Secret (so helm upgrade never rotates
it), else a new random one. Worked out once per render and kept in .Values, so the Secret and the
Deployment's secret hash see the same random values.
*/}}
{{- define "openclaw.tokens" -}}
{{- if not (hasKey .Values "__openclawTokens") -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "openclaw.name" .) -}}
{{- $stored := dict -}}
{{- if and $existing $existing.data -}}
{{- $stored = $existing.data -}}
{{- end -}}
{{- $tokens := dict -}}
{{- range $purpose, $pair := dict "gateway" (list "OPENCLAW_GATEWAY_TOKEN" $.Values.gatewayToken) "agent" (list "CLAWBOX_AGENT_TOKEN" $.Values.agentToken) -}}
{{- $key := index $pair 0 -}}
{{- $value := index $pair 1 -}}
{{- if not $value -}}
{{- $value = (index $stored $key | default "" | b64dec) | default (randAlphaNum 43) -}}
{{- end -}}
{{- $_ := set $tokens $purpose $value -}}
{{- end -}}
{{- $_ := set .Values "__openclawTokens" $tokens -}}
{{- end -}}
{{- get .Values "__openclawTokens" | toJson -}}
{{- end -}}

{{/* The Secret's content, not yet base64, as JSON: the user's secrets plus both tokens. */}}
{{- define "openclaw.secretData" -}}
{{- $tokens := include "openclaw.tokens" . | fromJson -}}
{{- $data := deepCopy (.Values.secrets | default dict) -}}
{{- $_ := set $data "OPENCLAW_GATEWAY_TOKEN" $tokens.gateway -}}
{{- $_ := set $data "CLAWBOX_AGENT_TOKEN" $tokens.agent -}}
{{- toJson $data -}}
{{- end -}}

{{/*
Pod annotation openclaw.ai/secret-hash: changes with the Secret's content so an upgrade with new
secrets rolls the pod (env from a Secret is read at container start only). Same value as the
Manager's secretHash(): sha256 of JSON.stringify(sorted [key, value] pairs), first 32 hex digits.
Go's JSON escapes <, >, &, U+2028 and U+2029 where JavaScript's doesn't; those are undone here.
*/}}
{{- define "openclaw.secretHash" -}}
{{- $data := include "openclaw.secretData" . | fromJson -}}
{{- $pairs := list -}}
{{- range $key := keys $data | sortAlpha -}}
{{- $pairs = append $pairs (list $key (index $data $key)) -}}
{{- end -}}
{{- $json := toJson $pairs | replace "\\u003c" "<" | replace "\\u003e" ">" | replace "\\u0026" "&" | replace "\\u2028" "\u2028" | replace "\\u2029" "\u2029" -}}
{{- sha256sum $json | trunc 32 -}}
{{- end -}}
