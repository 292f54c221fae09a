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

{{/* <userId>-openclaw-model: the Secret holding the model provider's key. */}}
{{- define "openclaw.modelSecretName" -}}
{{- include "openclaw.name" . -}}-model
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

{{/* <repository>:<tag>, or <repository>@sha256:... for a digest (imageRef() in the Manager's spec.ts). */}}
{{- define "openclaw.image" -}}
{{- if hasPrefix "sha256:" .Values.image.tag -}}
{{ .Values.image.repository }}@{{ .Values.image.tag }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
{{- end -}}

{{/*
OPENCLAW_GATEWAY_TOKEN and CLAWBOX_AGENT_TOKEN as JSON {"gateway":..,"agent":..}. Each is the
value given in values, else HMAC-SHA256(tokenSecret, "<purpose>:<userId>") exactly as the Manager
derives it (_hmac.tpl). Never random and never looked up: the same values render the same
tokens on every `helm template`, install and upgrade. values.schema.json refuses values with
neither (the `required` below is for a schema-less render).
*/}}
{{- define "openclaw.tokens" -}}
{{- $tokens := dict -}}
{{- range $purpose, $given := dict "gateway" ($.Values.gatewayToken | default "") "agent" ($.Values.agentToken | default "") -}}
{{- $value := $given -}}
{{- if not $value -}}
{{- $secret := required "tokenSecret is required (or both gatewayToken and agentToken)" $.Values.tokenSecret -}}
{{- $value = include "openclaw.hmacSha256" (dict "key" $secret "message" (printf "%s:%s" $purpose $.Values.userId)) -}}
{{- end -}}
{{- $_ := set $tokens $purpose $value -}}
{{- end -}}
{{- toJson $tokens -}}
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
JSON as JavaScript's JSON.stringify writes it, from Go's (toJson / toPrettyJson): Go also escapes
<, > and & (as \u003c, \u003e, \u0026) and U+2028, U+2029, JavaScript doesn't; those are undone
here (the rest of both escapings agree). The text is split at escaped backslashes ("\\") first,
so a string holding a literal backslash followed by "u003c" keeps its backslash.
*/}}
{{- define "openclaw.jsJson" -}}
{{- $parts := list -}}
{{- range $part := splitList "\\\\" . -}}
{{- $parts = append $parts ($part | replace "\\u003c" "<" | replace "\\u003e" ">" | replace "\\u0026" "&" | replace "\\u2028" "\u2028" | replace "\\u2029" "\u2029") -}}
{{- end -}}
{{- join "\\\\" $parts -}}
{{- end -}}

{{/*
Pod annotation openclaw.ai/secret-hash: changes with the Secret's content so an upgrade with new
secrets rolls the pod (env from a Secret is read at container start only). Same value as the
Manager's secretHash(): sha256 of JSON.stringify(sorted [key, value] pairs), first 32 hex digits.
*/}}
{{- define "openclaw.secretHash" -}}
{{- $data := include "openclaw.secretData" . | fromJson -}}
{{- $pairs := list -}}
{{- range $key := keys $data | sortAlpha -}}
{{- $pairs = append $pairs (list $key (index $data $key)) -}}
{{- end -}}
{{- sha256sum (include "openclaw.jsJson" (toJson $pairs)) | trunc 32 -}}
{{- end -}}

{{/* The env variable a provider's key is read from: MODEL_KEY_ENV of packages/shared/src/contract/model.ts. */}}
{{- define "openclaw.modelKeyEnv" -}}
{{- get (dict "openrouter" "OPENROUTER_API_KEY" "anthropic" "ANTHROPIC_API_KEY" "openai" "OPENAI_API_KEY" "openai-compatible" "CLAWBOX_MODEL_API_KEY") . -}}
{{- end -}}

{{/*
The model Secret's data as JSON (already base64, as in the object): the model key under the env
name the gateway reads it from (MODEL_KEY_ENV, packages/shared/src/contract/model.ts); empty
without a key. The Manager's buildModelSecret().
*/}}
{{- define "openclaw.modelSecretData" -}}
{{- $m := .Values.model | default dict -}}
{{- $data := dict -}}
{{- if and $m.provider $m.apiKey -}}
{{- $env := include "openclaw.modelKeyEnv" $m.provider -}}
{{- $_ := set $data $env ($m.apiKey | b64enc) -}}
{{- end -}}
{{- toJson $data -}}
{{- end -}}

{{/*
Pod annotation openclaw.ai/model-hash: a model change (its key in the model Secret, or the
ConfigMap the entrypoint re-applies the model keys from) rolls the pod. The Manager's modelHash():
sha256 of JSON.stringify([modelSecret.data, configMap.data]), first 32 hex digits.
*/}}
{{- define "openclaw.modelHash" -}}
{{- $both := list (include "openclaw.modelSecretData" . | fromJson) (dict "openclaw.json" (include "openclaw.gatewayConfig" .)) -}}
{{- sha256sum (include "openclaw.jsJson" (toJson $both)) | trunc 32 -}}
{{- end -}}
