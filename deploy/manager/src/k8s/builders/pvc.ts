import { instanceNames } from "@clawbox/shared";
import { instanceLabels } from "./labels.ts";
import type { InstanceSpec, KubeObject } from "./types.ts";

/** `<userId>-openclaw-data`: the gateway's state. Not owned by anything, so it can outlive a delete. */
export function buildPvc(spec: InstanceSpec): KubeObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: instanceNames(spec.userId).pvc, namespace: spec.namespace, labels: instanceLabels(spec.userId) },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: spec.storage.size } },
      ...(spec.storage.storageClassName ? { storageClassName: spec.storage.storageClassName } : {}),
    },
  };
}
