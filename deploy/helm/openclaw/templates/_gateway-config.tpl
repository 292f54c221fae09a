{{/*
The gateway's openclaw.json. Must equal buildGatewayConfig() in
packages/shared/src/gateway-config.ts (checked by deploy/helm/test/chart-vs-builders.test.ts).
*/}}
{{- define "openclaw.gatewayConfig" -}}
{{- $config := dict
  "gateway" (dict "mode" "local" "bind" "loopback" "port" 18789 "auth" (dict "mode" "token"))
  "plugins" (dict "entries" (dict "whatsapp" (dict "enabled" true)))
  "browser" (dict "enabled" true "headless" false "executablePath" "/usr/bin/chromium" "extraArgs" (list "--window-position=0,0" "--window-size=1280,800"))
  "logging" (dict "file" "/home/node/.openclaw/logs/openclaw.log")
-}}
{{- toPrettyJson $config -}}
{{- end -}}
