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
  type SleepFacts,
  type SleepPolicy,
} from "@clawbox/shared";
import {
  CRON_WAKE_ANNOTATION,
  IDLE_STOP_ANNOTATION,
  SLEEP_WITH_WHATSAPP_ANNOTATION,
  SLEEPING_ANNOTATION,
  TELEGRAM_WAKE_ANNOTATION,
} from "../../k8s/sleep-annotations.ts";
import type { ManagerConfig } from "../../config.ts";
import type { ManagerMetrics } from "../../metrics.ts";
import { buildConfigMap } from "../../k8s/builders/configmap.ts";
import { MODEL_HASH_ANNOTATION, modelHash } from "../../k8s/builders/deployment.ts";
import { FIELD_MANAGER } from "../../k8s/builders/labels.ts";
import { buildModelSecret } from "../../k8s/builders/model-secret.ts";
import { buildInstanceObjects } from "../../k8s/builders/objects.ts";
import { instanceSpecFromInput } from "../../k8s/builders/spec.ts";
import type { KubeObject } from "../../k8s/builders/types.ts";
import { AGENT_PORT, NOVNC_PORT } from "../../k8s/builders/pod-layout.ts";
import { KubeApiError, KubeClient } from "../../k8s/client.ts";
import { objectPath, resourceFor } from "../../k8s/resources.ts";
import { InstanceCache } from "./cache.ts";
import { deletionOrder, inDeletionOrder } from "./deletion-order.ts";
import { Reconciler } from "./reconciler.ts";

export interface KubernetesRuntimeOptions {
  config: ManagerConfig;
  logger: Logger;
  metrics: ManagerMetrics;
  /** Defaults to KubeClient.fromConfig(config.kubernetes.kubeconfigPath). */
  client?: KubeClient;
}

/**
 * Objects written together: independent ones in parallel, the NetworkPolicy before any pod, and
 * the Secrets only once the objects the reconciler finds users by (ConfigMap, Service,
 * NetworkPolicy) exist, so a crash mid-create never leaves a Secret nobody can find (the Manager
 * may not list Secrets).
 */
function applyBatches(objects: KubeObject[]): KubeObject[][] {
  const exposure = new Set(["Ingress", "ManagedCertificate", "BackendConfig"]);
  const markers = objects.filter((o) => o.kind !== "Secret" && o.kind !== "Deployment" && !exposure.has(o.kind));
  const secrets = objects.filter((o) => o.kind === "Secret");
  const deployment = objects.filter((o) => o.kind === "Deployment");
  const exposed = objects.filter((o) => exposure.has(o.kind));
  return [markers, secrets, deployment, exposed].filter((b) => b.length > 0);
}

/** The pod template annotation `kubectl rollout restart` sets: a new value rolls the pod. */
export const RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt";

export class KubernetesRuntime implements InstanceRuntime {
  readonly kind = "kubernetes" as const;
  readonly client: KubeClient;
  readonly cache: InstanceCache;
  private readonly config: ManagerConfig;
  private readonly logger: Logger;
  private readonly metrics: ManagerMetrics;
  /** Creates running now, per user: the reconciler leaves these users alone. */
  private readonly creating = new Map<string, number>();
  /** Orphan removals running now, per user: a create for that user waits for it first. */
  private readonly removing = new Map<string, Promise<void>>();
  readonly reconciler: Reconciler;
  /**
   * Bot tokens of sleeping instances, for the Telegram wake. Memory only: the Manager may not
   * read Secrets. After a Manager restart a sleeping instance marked wake-on-telegram has no
   * token here, and the Manager wakes it once to learn it again (DEPLOY.md "Sleep and wake").
   */
  private readonly wakeTokens = new Map<string, string>();

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
    this.reconciler = new Reconciler({
      client: this.client,
      namespace: opts.config.kubernetes.namespace,
      intervalMs: opts.config.kubernetes.reconcileIntervalMs,
      graceMs: opts.config.kubernetes.reconcileGraceMs,
      logger: this.logger,
      removeOrphan: (userId) => this.removeOrphan(userId),
    });
  }

  async start(): Promise<void> {
    const t0 = performance.now();
    await this.cache.start();
    this.logger.info({ ...this.cache.stats(), ms: Math.round(performance.now() - t0) }, "watch cache synced");
    // Only with a synced cache: "no Deployment" must mean none, not "not seen yet".
    this.reconciler.start();
  }

  async stop(): Promise<void> {
    await this.reconciler.stop();
    await this.cache.stop();
    this.client.close();
  }

  /**
   * All or nothing for a new instance: when any object fails, what this call applied is deleted
   * again (a PVC that existed before the call is data and stays) and the original error is
   * thrown. An update of an existing instance never deletes anything.
   */
  async create(input: CreateInstanceInput): Promise<{ created: boolean; status: InstanceStatus }> {
    assertUserId(input.userId);
    const userId = input.userId;
    const log = this.logger.child({ userId });
    // Validates secrets/resources before the first write: a bad POST creates nothing.
    const spec = instanceSpecFromInput(this.config, input);
    // Marked before the first await, so the reconciler can never start on this user from here on.
    this.creating.set(userId, (this.creating.get(userId) ?? 0) + 1);
    try {
      await this.removing.get(userId);
      const isNew = !this.cache.has(userId);
      const ns = this.config.kubernetes.namespace;
      const applied: { kind: string; name: string; createdNow: boolean }[] = [];
      let created = false;
      let failure: unknown;
      for (const batch of applyBatches(buildInstanceObjects(spec))) {
        const results = await Promise.allSettled(
          batch.map(async (obj) => {
            const res = await this.client.apply<{ metadata: { resourceVersion: string } }>(
              objectPath(resourceFor(obj.kind), ns, obj.metadata.name),
              obj,
              FIELD_MANAGER,
            );
            // The API server answers 201 when this apply created the object, 200 when it existed.
            applied.push({ kind: obj.kind, name: obj.metadata.name, createdNow: res.status === 201 });
            if (obj.kind === "Deployment") {
              created = res.status === 201;
              this.cache.seedDeployment(res.body);
            }
          }),
        );
        const rejected = results.find((r) => r.status === "rejected");
        if (rejected) {
          failure = rejected.reason;
          break;
        }
      }
      if (failure !== undefined) {
        // A concurrent create of the same user finishes (complete) or rolls back by itself.
        if (isNew && this.creating.get(userId) === 1) await this.rollBack(userId, applied, failure);
        else log.warn({ err: (failure as Error)?.message }, "instance create/update failed; nothing deleted");
        throw failure;
      }
      log.info({ created, image: spec.image, secretKeys: Object.keys(spec.secrets).length }, created ? "instance created" : "instance updated");
      // The apply set replicas back to 1: a create of a sleeping instance wakes it.
      if (!created && this.cache.deploymentOf(userId)?.metadata.annotations?.[SLEEPING_ANNOTATION]) await this.patchDeployment(userId, wakePatch());
      const status = this.cache.get(userId);
      if (!status) throw new Error(`instance ${userId} applied but not in the cache`);
      return { created, status };
    } finally {
      const n = (this.creating.get(userId) ?? 1) - 1;
      if (n > 0) this.creating.set(userId, n);
      else this.creating.delete(userId);
    }
  }

  /** Deletes what a failed create of a new instance applied; a PVC it found already there stays. */
  private async rollBack(userId: string, applied: { kind: string; name: string; createdNow: boolean }[], cause: unknown): Promise<void> {
    const log = this.logger.child({ userId });
    const targets = inDeletionOrder(userId, applied.filter((o) => o.kind !== "PersistentVolumeClaim" || o.createdNow));
    const left: string[] = [];
    for (const t of targets) {
      try {
        await this.deleteObject(t.kind, t.name);
      } catch (e) {
        // The reconciler removes what is still here at its next pass (a PVC is never touched).
        left.push(`${t.kind}/${t.name}`);
        log.warn({ kind: t.kind, name: t.name, err: (e as Error)?.message }, "rollback delete failed");
      }
    }
    this.metrics.statusSeen(userId, null);
    this.metrics.cleanups.inc({ cause: "rollback" });
    log.warn({ err: (cause as Error)?.message, removed: targets.length - left.length, left }, "instance create failed; rolled back what it applied");
  }

  /** DELETE by name; false on 404. A deleted Deployment leaves the cache at once. */
  private async deleteObject(kind: string, name: string): Promise<boolean> {
    try {
      const res = await this.client.request<{ metadata?: { resourceVersion?: string } }>(
        "delete",
        "DELETE",
        objectPath(resourceFor(kind), this.config.kubernetes.namespace, name),
        { body: { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: "Background" } },
      );
      if (kind === "Deployment") this.cache.forgetDeployment(name, res.body?.metadata?.resourceVersion);
      return true;
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) return false;
      throw e;
    }
  }

  /**
   * The reconciler's removal of a user's leftovers (everything but the PVC), unless the user has
   * a Deployment or a create running; such a create waits for a removal already under way.
   */
  private async removeOrphan(userId: string): Promise<boolean> {
    if (this.cache.has(userId) || this.creating.has(userId) || this.removing.has(userId)) return false;
    const removal = this.delete(userId, { preservePvc: true }).then(() => undefined);
    this.removing.set(userId, removal.catch(() => undefined));
    try {
      await removal;
      this.metrics.cleanups.inc({ cause: "orphan" });
      return true;
    } finally {
      this.removing.delete(userId);
    }
  }

  async get(userId: string): Promise<InstanceStatus | null> {
    assertUserId(userId);
    return this.cache.get(userId);
  }

  async list(): Promise<InstanceStatus[]> {
    return this.cache.list();
  }

  /**
   * Deletes every kind an instance can have by name (no reads, whatever today's config is); 404s
   * are fine. Unknown user = nothing was there to delete.
   */
  async delete(userId: string, options: { preservePvc: boolean }): Promise<DeleteInstanceResult | null> {
    assertUserId(userId);
    const log = this.logger.child({ userId });
    let found = 0;
    for (const t of deletionOrder(userId, options)) if (await this.deleteObject(t.kind, t.name)) found++;
    this.metrics.statusSeen(userId, null);
    if (found === 0) return null;
    log.info({ preservePvc: options.preservePvc, objects: found }, "instance deleted");
    return { userId, deleted: true, pvcPreserved: options.preservePvc };
  }

  /**
   * A rollout restart, as `kubectl rollout restart` does it: a merge patch of the pod template's
   * restartedAt annotation. The Recreate strategy replaces the pod; the PVC (state, channels) stays.
   */
  async restart(userId: string): Promise<InstanceStatus | null> {
    assertUserId(userId);
    if (!this.cache.has(userId)) return null;
    // A restart of a sleeping instance is a wake (a rollout of 0 replicas would do nothing).
    if (this.cache.get(userId)?.phase === "sleeping") return this.wake(userId);
    const patch = { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: new Date().toISOString() } } } } };
    const path = objectPath(resourceFor("Deployment"), this.config.kubernetes.namespace, instanceNames(userId).deployment);
    let res;
    try {
      res = await this.client.request<{ metadata: { resourceVersion: string } }>("patch", "PATCH", path, {
        body: patch,
        contentType: "application/merge-patch+json",
      });
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) return null;
      throw e;
    }
    this.cache.seedDeployment(res.body);
    this.logger.info({ userId }, "instance restarting (rollout restart)");
    return this.cache.get(userId);
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

  /**
   * Scales the Deployment to 0 with the sleeping annotations, in one merge patch: PVC, Secrets,
   * Service and NetworkPolicy stay, and the reconciler still sees a Deployment (a complete instance).
   */
  async sleep(userId: string, facts: SleepFacts): Promise<InstanceStatus | null> {
    assertUserId(userId);
    if (!this.cache.has(userId)) return null;
    if (this.cache.get(userId)?.phase === "sleeping") return this.cache.get(userId);
    if (facts.telegramBotToken) this.wakeTokens.set(userId, facts.telegramBotToken);
    else this.wakeTokens.delete(userId);
    const status = await this.patchDeployment(userId, {
      metadata: {
        annotations: {
          [SLEEPING_ANNOTATION]: facts.since,
          [CRON_WAKE_ANNOTATION]: facts.nextCronAt ?? null,
          [TELEGRAM_WAKE_ANNOTATION]: facts.telegram ? "true" : null,
        },
      },
      spec: { replicas: 0 },
    });
    this.logger.info({ userId, nextCronAt: facts.nextCronAt ?? null, telegram: !!facts.telegram }, "instance asleep (scaled to 0)");
    return status;
  }

  async wake(userId: string): Promise<InstanceStatus | null> {
    assertUserId(userId);
    if (!this.cache.has(userId)) return null;
    if (this.cache.get(userId)?.phase !== "sleeping") return this.cache.get(userId);
    this.wakeTokens.delete(userId);
    const status = await this.patchDeployment(userId, wakePatch());
    this.logger.info({ userId }, "instance waking (scaled to 1)");
    return status;
  }

  async sleepFacts(userId: string): Promise<SleepFacts | null> {
    const status = this.cache.get(userId);
    if (status?.phase !== "sleeping" || !status.sleep) return null;
    const a = this.cache.deploymentOf(userId)?.metadata.annotations ?? {};
    const token = this.wakeTokens.get(userId);
    return {
      since: status.sleep.since,
      ...(status.sleep.wakeAt ? { nextCronAt: status.sleep.wakeAt } : {}),
      ...(a[TELEGRAM_WAKE_ANNOTATION] === "true" ? { telegram: true } : {}),
      ...(token ? { telegramBotToken: token } : {}),
    };
  }

  async setSleepPolicy(userId: string, policy: SleepPolicy): Promise<InstanceStatus | null> {
    assertUserId(userId);
    if (!this.cache.has(userId)) return null;
    const annotations: Record<string, string | null> = {};
    // null removes the annotation (the Manager's default again); absent leaves it as it is.
    if (policy.idleStopAfter !== undefined) annotations[IDLE_STOP_ANNOTATION] = policy.idleStopAfter;
    if (policy.sleepWithWhatsApp !== undefined) annotations[SLEEP_WITH_WHATSAPP_ANNOTATION] = String(policy.sleepWithWhatsApp);
    if (Object.keys(annotations).length === 0) return this.cache.get(userId);
    return this.patchDeployment(userId, { metadata: { annotations } });
  }

  /** A merge patch of the user's Deployment, seeded into the cache; null when it is gone. */
  private async patchDeployment(userId: string, patch: unknown): Promise<InstanceStatus | null> {
    const path = objectPath(resourceFor("Deployment"), this.config.kubernetes.namespace, instanceNames(userId).deployment);
    try {
      const res = await this.client.request<{ metadata: { resourceVersion: string } }>("patch", "PATCH", path, { body: patch, contentType: "application/merge-patch+json" });
      this.cache.seedDeployment(res.body);
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) return null;
      throw e;
    }
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

/** Back to one replica, the sleep annotations removed (merge patch: null deletes a key). */
function wakePatch() {
  return {
    metadata: { annotations: { [SLEEPING_ANNOTATION]: null, [CRON_WAKE_ANNOTATION]: null, [TELEGRAM_WAKE_ANNOTATION]: null } },
    spec: { replicas: 1 },
  };
}
