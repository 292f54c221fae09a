/**
 * Runs the real Manager against a real test cluster (test/cluster) the way it runs in production:
 * rbac.yaml applied (the ServiceAccount in the platform namespace clawbox-system, its rights and
 * the admission policy in force for the instance namespace openclaw), the Manager's API client
 * authenticated as that `openclaw-manager` ServiceAccount (TokenRequest), its watch cache synced. Used by the integration tests and the bench.
 * Also gives volumes to the PVCs: the test cluster has no storage provisioner, so each user's
 * `<userId>-openclaw-data` claim gets a pre-bound PersistentVolume (what a provisioner would make).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLogger, instanceNames, type InstanceRuntime, type InstanceStatus } from "@clawbox/shared";
import type { FastifyInstance } from "fastify";
import { kubectl } from "../../../test/cluster/cluster.ts";
import { kubeconfigForServiceAccount } from "../../../test/cluster/service-account.ts";
import { loadConfig, type ManagerConfig } from "../src/config.ts";
import { KubeApiError, KubeClient } from "../src/k8s/client.ts";
import { ManagerMetrics } from "../src/metrics.ts";
import { KubernetesRuntime } from "../src/runtime/kubernetes/runtime.ts";
import { buildServer } from "../src/server.ts";

/** The instances' namespace (OPENCLAW_NAMESPACE) and the platform's, where the Manager's ServiceAccount lives. */
export const NAMESPACE = "openclaw";
export const PLATFORM_NAMESPACE = "clawbox-system";
export const API_KEY = "int-test-manager-key-0123456789";
export const TOKEN_SECRET = "int-test-token-secret-9876543210";
/** The gateway repository the tests' Managers use; the admission policy in rbac.yaml is set to it. */
export const TEST_IMAGE_REPO = "registry.test/openclaw-gke";
export const RBAC_YAML = fileURLToPath(new URL("../k8s/rbac.yaml", import.meta.url));
const GUIDE_IMAGE_REPO = "us-central1-docker.pkg.dev/learneroid/openclaw/openclaw-gke";

export interface RunningManager {
  app: FastifyInstance;
  runtime: KubernetesRuntime;
  metrics: ManagerMetrics;
  config: ManagerConfig;
  saKubeconfig: string;
  close(): Promise<void>;
}

/** A client authenticated by a kubeconfig file (the admin's, or the ServiceAccount's). */
export function adminClient(kubeconfig: string): KubeClient {
  return KubeClient.fromConfig(kubeconfig);
}

/**
 * rbac.yaml as it is, except the admission policy's image repository (its parameter ConfigMap),
 * which is set to the repository the test's Manager runs: the guide's registry is not reachable here.
 */
export function rbacYamlFor(imageRepo: string): string {
  const text = readFileSync(RBAC_YAML, "utf8");
  const line = `imageRepo: ${GUIDE_IMAGE_REPO}`;
  if (!text.includes(line)) throw new Error(`rbac.yaml has no "${line}" line to point at the test image`);
  return text.replace(line, `imageRepo: ${imageRepo}`);
}

/**
 * Makes the platform namespace, applies rbac.yaml (ServiceAccount there, Role in the instance
 * namespace, the admission policy) and returns a kubeconfig for the openclaw-manager ServiceAccount.
 */
export async function managerServiceAccount(adminKubeconfig: string, imageRepo = TEST_IMAGE_REPO): Promise<string> {
  kubectl(adminKubeconfig, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: PLATFORM_NAMESPACE } }));
  kubectl(adminKubeconfig, ["apply", "-f", "-"], rbacYamlFor(imageRepo));
  const file = join(adminKubeconfig, "..", `manager-sa-${process.pid}.kubeconfig`);
  return (await kubeconfigForServiceAccount(adminKubeconfig, PLATFORM_NAMESPACE, "openclaw-manager", 3600, file)).path;
}

export async function startManager(adminKubeconfig: string, env: Record<string, string> = {}): Promise<RunningManager> {
  const sa = { path: await managerServiceAccount(adminKubeconfig, env.OPENCLAW_IMAGE_REPO ?? TEST_IMAGE_REPO) };
  const config = loadConfig({
    OPENCLAW_MANAGER_API_KEY: API_KEY,
    OPENCLAW_TOKEN_SECRET: TOKEN_SECRET,
    OPENCLAW_RUNTIME: "kubernetes",
    OPENCLAW_NAMESPACE: NAMESPACE,
    OPENCLAW_MANAGER_NAMESPACE: PLATFORM_NAMESPACE,
    OPENCLAW_IMAGE_REPO: TEST_IMAGE_REPO,
    KUBECONFIG: sa.path,
    ...env,
  });
  const logger = createLogger("manager-int", { level: process.env.LOG_LEVEL ?? "silent" });
  const metrics = new ManagerMetrics();
  const runtime = new KubernetesRuntime({ config, logger, metrics });
  await runtime.start();
  const app = await buildServer({ config, runtime, logger, metrics });
  await app.ready();
  return {
    app,
    runtime,
    metrics,
    config,
    saKubeconfig: sa.path,
    async close() {
      await app.close();
      await runtime.stop();
    },
  };
}

/** Puts a started Manager on a loopback port for callers over HTTP (the App API); returns its URL. */
export async function listen(m: RunningManager): Promise<string> {
  await m.app.listen({ port: 0, host: "127.0.0.1" });
  return `http://127.0.0.1:${(m.app.server.address() as { port: number }).port}`;
}

/**
 * A StorageClass that binds on first use, like GKE's standard-rwo: the scheduler picks the volume
 * while placing the pod, so a pod never waits on a separately bound claim. Static volumes only.
 */
export const WAIT_FOR_CONSUMER_CLASS = "clawbox-test-wffc";
export async function ensureWaitForConsumerClass(admin: KubeClient): Promise<void> {
  await admin.apply(
    `/apis/storage.k8s.io/v1/storageclasses/${WAIT_FOR_CONSUMER_CLASS}`,
    {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: WAIT_FOR_CONSUMER_CLASS },
      provisioner: "kubernetes.io/no-provisioner",
      volumeBindingMode: "WaitForFirstConsumer",
      reclaimPolicy: "Retain",
    },
    "clawbox-test",
  );
}

/** A PersistentVolume pre-bound to the user's data claim (Retain: a kept claim keeps its volume). */
export async function provisionVolume(admin: KubeClient, userId: string, storageClassName = ""): Promise<void> {
  const name = `pv-${userId}`;
  await admin.apply(
    `/api/v1/persistentvolumes/${name}`,
    {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name, labels: { "clawbox.test/volume": "true" } },
      spec: {
        capacity: { storage: "10Gi" },
        accessModes: ["ReadWriteOnce"],
        persistentVolumeReclaimPolicy: "Retain",
        storageClassName,
        hostPath: { path: `/tmp/clawbox-test-pv/${userId}` },
        claimRef: { namespace: NAMESPACE, name: instanceNames(userId).pvc },
      },
    },
    "clawbox-test",
  );
}

/** Reads an object as the cluster admin; null when it does not exist. */
export async function readObject<T = any>(admin: KubeClient, path: string): Promise<T | null> {
  try {
    return (await admin.request<T>("get", "GET", path)).body;
  } catch (e) {
    if (e instanceof KubeApiError && e.status === 404) return null;
    throw e;
  }
}

export async function poll<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 60_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

/** Sum of a counter's samples in a Prometheus text exposition, filtered by label values. */
export function counterSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

/** Polls a runtime until the user's instance runs; an `error` phase fails at once with its message. */
export function untilRunning(runtime: InstanceRuntime, userId: string, timeoutMs = 300_000): Promise<InstanceStatus> {
  return poll("running", async () => {
    const s = await runtime.get(userId);
    if (s?.phase === "error") throw new Error(`error: ${s.message}`);
    return s?.phase === "running" ? s : undefined;
  }, timeoutMs, 500);
}
