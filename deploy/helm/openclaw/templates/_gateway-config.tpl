{{/*
The gateway's seed openclaw.json: buildGatewayConfig() of packages/shared/src/gateway-config.ts
with the pod's options (port 18789, log file on the state volume, Chromium on the Xvfb display,
WhatsApp plugin on), written out as JSON.stringify(config, null, 2) writes it, so the ConfigMap
text is byte-identical to the Manager's (deploy/helm/test/chart-vs-builders.test.ts checks it).
*/}}
{{- define "openclaw.gatewayConfig" -}}
{
  "gateway": {
    "mode": "local",
    "bind": "loopback",
    "port": 18789,
    "auth": {
      "mode": "token"
    }
  },
  "logging": {
    "file": "/home/node/.openclaw/logs/gateway.log"
  },
  "browser": {
    "enabled": true,
    "headless": false,
    "noSandbox": false,
    "executablePath": "/usr/bin/chromium",
    "defaultProfile": "openclaw",
    "extraArgs": [
      "--window-position=0,0",
      "--window-size=1280,800"
    ]
  },
  "plugins": {
    "entries": {
      "whatsapp": {
        "enabled": true
      }
    }
  }
}
{{- end -}}
