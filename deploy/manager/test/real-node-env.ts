/**
 * The real-pod setup shared by the test (real-pod.real.test.ts) and the bench (bench/real-node.bench.ts):
 * the gateway image built here (by digest), the test cluster's real node with that image imported,
 * the real Manager configured to place instances there (toleration + node selector), and volumes
 * for users' claims on the node's disk.
 */
import { chownSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { instanceNames } from "@clawbox/shared";
import { ensureImage, IMAGES } from "../../../test/images/dockerfile-image.ts";
import type { ImageRecord } from "../../../test/images/cache.ts";
import { REAL_NODE_LABEL, REAL_NODE_TAINT, startRealNode, type ClusterRef, type RealNode } from "../../../test/cluster/real-node/real-node.ts";
import { adminClient, NAMESPACE, startManager, type RunningManager } from "./harness.ts";
import type { KubeClient } from "../src/k8s/client.ts";

export const POD_UID = 1000;

export interface RealPodEnv {
  node: RealNode;
  manager: RunningManager;
  admin: KubeClient;
  gateway: ImageRecord;
  /** A volume for the user's claim on the real node's disk, writable by the pod's uid. */
  provisionVolume(userId: string): Promise<void>;
  close(): Promise<void>;
}

export async function startRealPodEnv(cluster: ClusterRef, log: (line: string) => void): Promise<RealPodEnv> {
  const admin = adminClient(cluster.kubeconfig);
  const gateway = await ensureImage(IMAGES.gateway, log);
  const node = await startRealNode(cluster, { log });
  let manager: RunningManager | undefined;
  try {
    await node.importImage(gateway);
    manager = await startManager(cluster.kubeconfig, {
      OPENCLAW_IMAGE_REPO: gateway.repo,
      OPENCLAW_IMAGE_TAG: gateway.digest,
      OPENCLAW_NODE_SELECTOR: `${REAL_NODE_LABEL.key}=${REAL_NODE_LABEL.value}`,
      OPENCLAW_TOLERATIONS: `${REAL_NODE_TAINT.key}=${REAL_NODE_TAINT.value}:${REAL_NODE_TAINT.effect}`,
    });
  } catch (e) {
    await node.stop();
    throw e;
  }
  const m = manager;
  return {
    node,
    manager: m,
    admin,
    gateway,
    async provisionVolume(userId: string) {
      const dir = join(cluster.dataDir, "real-pv", userId);
      mkdirSync(dir, { recursive: true });
      chownSync(dir, POD_UID, POD_UID);
      await admin.apply(
        `/api/v1/persistentvolumes/real-pv-${userId}`,
        {
          apiVersion: "v1",
          kind: "PersistentVolume",
          metadata: { name: `real-pv-${userId}` },
          spec: {
            capacity: { storage: "10Gi" },
            accessModes: ["ReadWriteOnce"],
            persistentVolumeReclaimPolicy: "Retain",
            storageClassName: "",
            hostPath: { path: dir, type: "Directory" },
            claimRef: { namespace: NAMESPACE, name: instanceNames(userId).pvc },
          },
        },
        "clawbox-test",
      );
    },
    async close() {
      await m.close();
      await node.stop();
    },
  };
}
