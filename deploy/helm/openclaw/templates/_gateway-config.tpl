{{/*
The gateway's seed openclaw.json: buildGatewayConfig() of packages/shared/src/gateway-config.ts
(with buildModelConfig() of gateway-model-config.ts) for the pod's options (port 18789, log file
on the state volume, Chromium on the Xvfb display, WhatsApp plugin off until the user asks for a
QR code, when the Manager turns it on), built as a dict from the
values and written as gatewayConfigText() writes it: keys sorted at every level (Go's JSON sorts
map keys), 2-space indent, a final newline, JavaScript's escaping (openclaw.jsJson). The ConfigMap
text is then byte-identical to the Manager's; deploy/helm/test/chart-vs-builders.test.ts checks it
for every provider, key and endpoint setting the schema allows.
*/}}
{{- define "openclaw.gatewayConfig" -}}
{{- /* Literals, not values: 18789 is a Go int and true/false Go bools, which JSON prints as
JavaScript does (a value read from YAML would be a float64, also printed 18789, but there is none).
noSandbox true: the pod's seccomp and dropped capabilities refuse the user namespace Chromium's own
sandbox needs (POD_BROWSER in deploy/manager/src/k8s/builders/pod-layout.ts). "about:blank": the start
page, as in buildGatewayConfig(), which says why. */ -}}
{{- $config := dict
  "gateway" (dict "mode" "local" "bind" "loopback" "port" 18789 "auth" (dict "mode" "token"))
  "logging" (dict "file" "/home/node/.openclaw/logs/gateway.log")
  "browser" (dict
    "enabled" true
    "headless" false
    "noSandbox" true
    "executablePath" "/usr/bin/chromium"
    "defaultProfile" "openclaw"
    "extraArgs" (list "--window-position=0,0" "--window-size=1280,800" "about:blank"))
  "plugins" (dict "entries" (dict "whatsapp" (dict "enabled" false)))
-}}
{{- $model := include "openclaw.modelConfig" . | fromJson -}}
{{- range $key, $value := $model -}}
{{- $_ := set $config $key $value -}}
{{- end -}}
{{- $apiRoot := include "openclaw.url" (.Values.telegram | default dict).apiRoot -}}
{{- if $apiRoot -}}
{{- $telegram := dict "apiRoot" $apiRoot -}}
{{- /* A self-hosted Bot API server usually sits on a private address, which the channel's SSRF
guard refuses unless told; the operator configured it, so it is trusted. isPrivateHost() of
gateway-config.ts on the URL's host (lower-cased, without IPv6 brackets, as new URL() gives it). */ -}}
{{- $host := (urlParse $apiRoot).hostname | lower -}}
{{- if or (regexMatch "^(localhost|::1)$|^(127|10|192\\.168|172\\.(1[6-9]|2[0-9]|3[01]))\\." $host) (not (contains "." $host)) -}}
{{- $_ := set $telegram "network" (dict "dangerouslyAllowPrivateNetwork" true) -}}
{{- end -}}
{{- $_ := set $config "channels" (dict "telegram" $telegram) -}}
{{- end -}}
{{- printf "%s\n" (include "openclaw.jsJson" (toPrettyJson $config)) -}}
{{- end -}}

{{/*
buildModelConfig() as JSON: {} without a model, else agents.defaults.model.primary
"<provider id>/<model>" and, only where the endpoint differs from the provider's public one (an
openai-compatible server, or an operator's providerBaseUrls override), models.providers.<id>
naming the key's env variable (never the key itself) or the no-key marker.
*/}}
{{- define "openclaw.modelConfig" -}}
{{- $m := .Values.model | default dict -}}
{{- $out := dict -}}
{{- /* The rules between fields the Manager's checkModelSettings has, in words a schema can't print. */ -}}
{{- if and (not $m.provider) (or $m.model $m.apiKey $m.baseUrl) -}}
{{- fail "model.provider is empty but model.model, model.apiKey or model.baseUrl is set: set model.provider (openrouter, anthropic, openai, openai-compatible) or clear them" -}}
{{- end -}}
{{- if and $m.provider (not $m.model) -}}
{{- fail (printf "model.model is required with model.provider %s (the provider's model id)" $m.provider) -}}
{{- end -}}
{{- if and (eq ($m.provider | default "") "openai-compatible") (not $m.baseUrl) -}}
{{- fail "model.baseUrl is required for provider openai-compatible (the server's http(s) URL, e.g. http://ollama:11434/v1)" -}}
{{- end -}}
{{- if and $m.provider (ne $m.provider "openai-compatible") $m.baseUrl -}}
{{- fail (printf "model.baseUrl is only for provider openai-compatible; a built-in provider's endpoint is providerBaseUrls.%s" $m.provider) -}}
{{- end -}}
{{- if regexMatch "(?i)^https?://(169\\.254\\.|100\\.100\\.100\\.200([:/]|$)|(metadata|metadata\\.google\\.internal|metadata\\.goog|instance-data|instance-data\\.ec2\\.internal)([:/]|$))" ($m.baseUrl | default "") -}}
{{- fail "model.baseUrl must not point at a link-local or cloud metadata address" -}}
{{- end -}}
{{- if $m.provider -}}
{{- $custom := eq $m.provider "openai-compatible" -}}
{{- $id := ternary "custom" $m.provider $custom -}}
{{- $baseUrl := "" -}}
{{- if $custom -}}
{{- $baseUrl = $m.baseUrl -}}
{{- else -}}
{{- $baseUrl = include "openclaw.url" (get (.Values.providerBaseUrls | default dict) $m.provider) -}}
{{- end -}}
{{- $_ := set $out "agents" (dict "defaults" (dict "model" (dict "primary" (printf "%s/%s" $id $m.model)))) -}}
{{- if $baseUrl -}}
{{- $api := ternary "anthropic-messages" "openai-completions" (eq $m.provider "anthropic") -}}
{{- $env := include "openclaw.modelKeyEnv" $m.provider -}}
{{- $apiKey := ternary (printf "${%s}" $env) "clawbox-no-key" (not (empty $m.apiKey)) -}}
{{- $entry := dict "baseUrl" $baseUrl "api" $api "apiKey" $apiKey "models" (list (dict "id" $m.model "name" $m.model)) -}}
{{- $_ := set $out "models" (dict "providers" (dict $id $entry)) -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/*
An operator endpoint as the Manager reads it from its env (httpUrl() of
deploy/manager/src/config.ts): trailing slashes dropped. Empty stays empty.
*/}}
{{- define "openclaw.url" -}}
{{- regexReplaceAll "/+$" (. | default "") "" -}}
{{- end -}}
