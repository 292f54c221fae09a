import { buildGatewayConfig, gatewayConfigText, instanceNames } from "@clawbox/shared";
import { instanceLabels } from "./labels.ts";
import { CONFIG_MAP_KEY, GATEWAY_PORT, LOG_FILE } from "./pod-layout.ts";
import type { InstanceSpec, KubeObject } from "./types.ts";

/** The gateway's seed config (the same builder the local runtime uses); no secrets in it. */
export function buildConfigMap(spec: InstanceSpec): KubeObject {
  // Pods run as uid 1000, so Chromium keeps its sandbox (noSandbox false, the default).
  const config = buildGatewayConfig({
    port: GATEWAY_PORT,
    logFile: LOG_FILE,
    ...(spec.model ? { model: { provider: spec.model.provider, model: spec.model.model, baseUrl: spec.model.baseUrl, hasApiKey: !!spec.model.apiKey } } : {}),
    providerBaseUrls: spec.gateway.providerBaseUrls,
    telegramApiRoot: spec.gateway.telegramApiRoot,
  });
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: instanceNames(spec.userId).configMap, namespace: spec.namespace, labels: instanceLabels(spec.userId) },
    data: { [CONFIG_MAP_KEY]: gatewayConfigText(config) },
  };
}
