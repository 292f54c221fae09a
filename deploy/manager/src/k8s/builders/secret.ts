import { instanceNames } from "@clawbox/shared";
import { instanceLabels } from "./labels.ts";
import { SECRET_KEYS } from "./pod-layout.ts";
import type { InstanceSpec, KubeObject } from "./types.ts";

/** Plain (not yet base64) Secret content: the user's secrets plus the two derived tokens. */
export function secretData(spec: InstanceSpec): Record<string, string> {
  return {
    ...spec.secrets,
    [SECRET_KEYS.gatewayToken]: spec.tokens.gateway,
    [SECRET_KEYS.agentToken]: spec.tokens.agent,
  };
}

/**
 * `data` (base64), not `stringData`: stringData is write-only and merged into data by the API
 * server, so server-side apply could never remove a key the user dropped.
 */
export function buildSecret(spec: InstanceSpec): KubeObject {
  const data = secretData(spec);
  const encoded: Record<string, string> = {};
  for (const key of Object.keys(data).sort()) encoded[key] = Buffer.from(data[key] ?? "", "utf8").toString("base64");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: instanceNames(spec.userId).secret, namespace: spec.namespace, labels: instanceLabels(spec.userId) },
    type: "Opaque",
    data: encoded,
  };
}
