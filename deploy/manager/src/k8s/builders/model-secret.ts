import { instanceNames, MODEL_KEY_ENV } from "@clawbox/shared";
import { instanceLabels } from "./labels.ts";
import type { InstanceSpec, KubeObject } from "./types.ts";

/**
 * The model provider's key, as the env variable the gateway reads (OPENROUTER_API_KEY, ...).
 * Its own Secret, so a model change (PUT .../model) rewrites it without the create's inputs
 * (the user's other secrets, image, resources), which the Manager does not keep. Always
 * present, empty when the model needs no key, so the pod's envFrom never waits on it.
 */
export function buildModelSecret(spec: InstanceSpec): KubeObject {
  const data: Record<string, string> = {};
  if (spec.model?.apiKey) data[MODEL_KEY_ENV[spec.model.provider]] = Buffer.from(spec.model.apiKey, "utf8").toString("base64");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: instanceNames(spec.userId).modelSecret, namespace: spec.namespace, labels: instanceLabels(spec.userId) },
    type: "Opaque",
    data,
  };
}
