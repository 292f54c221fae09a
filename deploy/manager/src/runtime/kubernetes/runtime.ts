/**
 * InstanceRuntime on Kubernetes. Writes are server-side applies under one field manager (one
 * PATCH per object, no reads): the same POST twice is the same instance, two concurrent POSTs
 * converge on one, and a POST for an existing user updates its Secret/image/resources while the
 * PVC (its data) stays. Reads come from the watch cache only.
 */
import {
  assertUserId,
  type CreateInstanceInput,
  type DeleteInstanceResult,
  deriveInstanceToken,
  type InstanceEndpoint,
  type InstanceRuntime,
  type InstanceStatus,
  instanceNames,
  type Logger,
  type ModelSettings,
} from "@clawbox/shared";
import type { ManagerConfig } from "../../config.ts";
import type { ManagerMetrics } from "../../metrics.ts";
import {
  buildConfigMap,
  buildInstanceObjects,
  buildModelSecret,
  FIELD_MANAGER,
  instanceSpecFromInput,
  type KubeObject,
  MODEL_HASH_ANNOTATION,
  modelHash,
} from "../../services/k8s-resource-builder.ts";
import { AGENT_PORT, NOVNC_PORT } from "../../k8s/builders/pod-layout.ts";
import { KubeApiError, KubeClient } from "../../services/k8s-client.ts";
import { objectPath, resourceFor } from "../../k8s/resources.ts";
import { InstanceCache } from "./cache.ts";

export interface KubernetesRuntimeOptions {
  config: ManagerConfig;
  logger: Logger;
  metrics: ManagerMetrics;
  /** Defaults to KubeClient.fromConfig(config.kubernetes.kubeconfigPath). */
  client?: KubeClient;
}

/** Objects written together: independent ones in parallel, the NetworkPolicy before any pod. */
function applyBatches(objects: KubeObject[]): KubeObject[][] {
  const first = objects.filter((o) => o.kind !== "Deployment" && o.kind !== "Ingress" && o.kind !== "ManagedCertificate");
  const deployment = objects.filter((o) => o.kind === "Deployment");
  const exposure = objects.filter((o) => o.kind === "Ingress" || o.kind === "ManagedCertificate");
  return [first, deployment, exposure].filter((b) => b.length > 0);
}

export class KubernetesRuntime implements InstanceRuntime {
  readonly kind = "kubernetes" as const;
  readonly client: KubeClient;
  readonly cache: InstanceCache;
  private readonly config: ManagerConfig;
  private readonly logger: Logger;
  private readonly metrics: ManagerMetrics;

  constructor(opts: KubernetesRuntimeOptions) {
    this.config = opts.config;
    this.logger = opts.logger.child({ runtime: "kubernetes", namespace: opts.config.kubernetes.namespace });
    this.metrics = opts.metrics;
    this.client = opts.client ?? KubeClient.fromConfig(opts.config.kubernetes.kubeconfigPath);
    this.client.onRequest((call) => this.metrics.apiCall(call));
    this.cache = new InstanceCache(this.client, opts.config.kubernetes.namespace, this.logger);
    this.cache.onUserChange((userId) => {
      if (this.metrics.isTracking(userId)) this.metrics.statusSeen(userId, this.cache.get(userId));
    });
    this.metrics.countInstancesFrom(async () => this.cache.list());
  }

  async start(): Promise<void> {
    const t0 = performance.now();
    await this.cache.start();
    this.logger.info({ ...this.cache.stats(), ms: Math.round(performance.now() - t0) }, "watch cache synced");
  }

  async stop(): Promise<void> {
    await this.cache.stop();
    this.client.close();
  }

  async create(input: CreateInstanceInput): Promise<{ created: boolean; status: InstanceStatus }> {
    assertUserId(input.userId);
    const log = this.logger.child({ userId: input.userId });
    // Validates secrets/resources before the first write: a bad POST creates nothing.
    const spec = instanceSpecFromInput(this.config, input);
    const ns = this.config.kubernetes.namespace;
    let created = false;
    for (const batch of applyBatches(buildInstanceObjects(spec))) {
      await Promise.all(
        batch.map(async (obj) => {
          const res = await this.client.apply<{ metadata: { resourceVersion: string } }>(
            objectPath(resourceFor(obj.kind), ns, obj.metadata.name),
            obj,
            FIELD_MANAGER,
          );
          if (obj.kind === "Deployment") {
            // The API server answers 201 when this apply created the object, 200 when it updated it.
            created = res.status === 201;
            this.cache.seedDeployment(res.body);
          }
        }),
      );
    }
    log.info({ created, image: spec.image, secretKeys: Object.keys(spec.secrets).length }, created ? "instance created" : "instance updated");
    const status = this.cache.get(input.userId);
    if (!status) throw new Error(`instance ${input.userId} applied but not in the cache`);
    return { created, status };
  }

  async get(userId: string): Promise<InstanceStatus | null> {
    assertUserId(userId);
    return this.cache.get(userId);
  }

  async list(): Promise<InstanceStatus[]> {
    return this.cache.list();
  }

  /** Deletes by name (no reads); 404s are fine. Unknown user = nothing was there to delete. */
  async delete(userId: string, options: { preservePvc: boolean }): Promise<DeleteInstanceResult | null> {
    assertUserId(userId);
    const log = this.logger.child({ userId });
    const names = instanceNames(userId);
    const ns = this.config.kubernetes.namespace;
    const targets: [string, string][] = [
      ["Deployment", names.deployment],
      ["Service", names.service],
      ...(this.config.kubernetes.ingressEnabled
        ? ([["Ingress", names.ingress], ["ManagedCertificate", names.managedCertificate]] as [string, string][])
        : []),
      ["ConfigMap", names.configMap],
      ["Secret", names.secret],
      ["Secret", names.modelSecret],
      ...(options.preservePvc ? [] : ([["PersistentVolumeClaim", names.pvc]] as [string, string][])),
      // Last, so the pod keeps its isolation while it terminates.
      ["NetworkPolicy", names.networkPolicy],
    ];
    let found = 0;
    for (const [kind, name] of targets) {
      try {
        const res = await this.client.request<{ metadata?: { resourceVersion?: string } }>("delete", "DELETE", objectPath(resourceFor(kind), ns, name), {
          body: { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: "Background" },
        });
        found++;
        if (kind === "Deployment") this.cache.forgetDeployment(name, res.body?.metadata?.resourceVersion);
      } catch (e) {
        if (e instanceof KubeApiError && e.status === 404) continue;
        throw e;
      }
    }
    this.metrics.statusSeen(userId, null);
    if (found === 0) return null;
    log.info({ preservePvc: options.preservePvc, objects: found }, "instance deleted");
    return { userId, deleted: true, pvcPreserved: options.preservePvc };
  }

  /**
   * The model Secret and the ConfigMap depend only on the userId, the model and the Manager's
   * config, so they are re-applied whole; the Deployment gets only its model-hash annotation
   * (a merge patch: the create's other inputs, which the Manager does not keep, stay as they
   * are), which rolls the pod. The entrypoint re-applies the model keys from the new ConfigMap.
   */
  async setModel(userId: string, model: ModelSettings | null): Promise<InstanceStatus | null> {
    assertUserId(userId);
    if (!this.cache.has(userId)) return null;
    const spec = instanceSpecFromInput(this.config, { userId, ...(model ? { model } : {}) });
    const ns = this.config.kubernetes.namespace;
    await Promise.all(
      [buildModelSecret(spec), buildConfigMap(spec)].map((obj) =>
        this.client.apply(objectPath(resourceFor(obj.kind), ns, obj.metadata.name), obj, FIELD_MANAGER),
      ),
    );
    const names = instanceNames(userId);
    const patch = { spec: { template: { metadata: { annotations: { [MODEL_HASH_ANNOTATION]: modelHash(spec) } } } } };
    const res = await this.client.request<{ metadata: { resourceVersion: string } }>("patch", "PATCH", objectPath(resourceFor("Deployment"), ns, names.deployment), {
      body: patch,
      contentType: "application/merge-patch+json",
    });
    this.cache.seedDeployment(res.body);
    this.logger.info({ userId, provider: model?.provider ?? null }, "instance model changed; pod restarts with it");
    return this.cache.get(userId);
  }

  async endpoint(userId: string): Promise<InstanceEndpoint | null> {
    assertUserId(userId);
    if (!this.cache.has(userId)) return null;
    const agentToken = deriveInstanceToken(this.config.tokenSecret, "agent", userId);
    // Newest live pod with an IP; before one exists, the Service name (resolves in-cluster).
    const pod = this.cache
      .podsOf(userId)
      .filter((p) => !p.metadata.deletionTimestamp && p.status?.podIP)
      .sort((a, b) => (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? ""))[0];
    const host = pod?.status?.podIP ?? `${instanceNames(userId).service}.${this.config.kubernetes.namespace}.svc`;
    const h = host.includes(":") ? `[${host}]` : host;
    return { agentUrl: `http://${h}:${AGENT_PORT}`, agentToken, vncUrl: `ws://${h}:${NOVNC_PORT}/websockify` };
  }
}
