/**
 * The ONE watch cache of the Kubernetes runtime: Pods and Deployments labelled `openclaw.ai/user`
 * and the pod Events that decide fail-fast, in the Manager's namespace. Every status read is
 * served from memory; the API server sees one list+watch per kind, never a list per request.
 * Objects are trimmed on the way in (no managedFields, specs or unused status), which keeps
 * 1,000 instances to a few MB.
 */
import type { InstanceStatus, Logger } from "@clawbox/shared";
import type { KubeClient } from "../../k8s/client.ts";
import { collectionPath, RESOURCES } from "../../k8s/resources.ts";
import { USER_LABEL } from "../../k8s/builders/labels.ts";
import { type DeploymentLike, type EventLike, instanceStatus, type PodLike } from "../../k8s/status.ts";
import { Informer } from "./informer.ts";
import { SLEEP_ANNOTATIONS } from "../../k8s/sleep-annotations.ts";

type Meta = { name: string; resourceVersion?: string; creationTimestamp?: string; deletionTimestamp?: string; labels?: Record<string, string> };
export type CachedPod = PodLike & { metadata: Meta };
export type CachedDeployment = DeploymentLike & { metadata: Meta };
export type CachedEvent = EventLike & { metadata: { name: string; resourceVersion?: string; creationTimestamp?: string } };

/** Event reasons the status mapping reads; every other event is dropped on arrival. */
const KEPT_EVENT_REASONS = new Set(["FailedScheduling", "TriggeredScaleUp", "NotTriggerScaleUp", "FailedMount", "FailedAttachVolume"]);

function meta(m: any): Meta {
  return {
    name: m.name,
    resourceVersion: m.resourceVersion,
    creationTimestamp: m.creationTimestamp,
    ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
    labels: m.labels?.[USER_LABEL] ? { [USER_LABEL]: m.labels[USER_LABEL] } : {},
  };
}

const conditions = (cs: any[] | undefined) => cs?.map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message }));
const terminated = (t: any) => ({ reason: t.reason, message: t.message, exitCode: t.exitCode, startedAt: t.startedAt, finishedAt: t.finishedAt });
const containers = (cs: any[] | undefined) =>
  cs?.map((c) => ({
    name: c.name,
    ready: c.ready,
    restartCount: c.restartCount,
    state: c.state,
    // Only a terminated previous run is reported (OOMKilled, Error); kubelet's other lastState is empty.
    ...(c.lastState?.terminated ? { lastState: { terminated: terminated(c.lastState.terminated) } } : {}),
  }));

export function trimPod(raw: any): CachedPod | null {
  if (!raw?.metadata?.labels?.[USER_LABEL]) return null;
  const s = raw.status ?? {};
  return {
    metadata: meta(raw.metadata),
    status: {
      phase: s.phase,
      reason: s.reason,
      message: s.message,
      podIP: s.podIP,
      conditions: conditions(s.conditions),
      containerStatuses: containers(s.containerStatuses),
      initContainerStatuses: containers(s.initContainerStatuses),
    },
  };
}

export function trimDeployment(raw: any): CachedDeployment | null {
  if (!raw?.metadata?.labels?.[USER_LABEL]) return null;
  // Only the sleep annotations and the replica count are read (status.ts: phase sleeping).
  const annotations: Record<string, string> = {};
  for (const k of SLEEP_ANNOTATIONS) if (typeof raw.metadata.annotations?.[k] === "string") annotations[k] = raw.metadata.annotations[k];
  return {
    metadata: { ...meta(raw.metadata), ...(Object.keys(annotations).length ? { annotations } : {}) },
    ...(typeof raw.spec?.replicas === "number" ? { spec: { replicas: raw.spec.replicas } } : {}),
    status: { conditions: conditions(raw.status?.conditions) },
  };
}

export function trimEvent(raw: any): CachedEvent | null {
  if (!KEPT_EVENT_REASONS.has(raw?.reason) || raw?.involvedObject?.kind !== "Pod") return null;
  return {
    metadata: { name: raw.metadata.name, resourceVersion: raw.metadata.resourceVersion, creationTimestamp: raw.metadata.creationTimestamp },
    reason: raw.reason,
    message: typeof raw.message === "string" ? raw.message.slice(0, 1000) : undefined,
    type: raw.type,
    count: raw.count,
    series: raw.series ? { count: raw.series.count } : undefined,
    lastTimestamp: raw.lastTimestamp ?? undefined,
    eventTime: raw.eventTime ?? undefined,
    firstTimestamp: raw.firstTimestamp ?? undefined,
    involvedObject: { kind: raw.involvedObject.kind, name: raw.involvedObject.name },
  };
}

export type UserChangeListener = (userId: string) => void;

export class InstanceCache {
  private readonly pods: Informer<CachedPod>;
  private readonly deployments: Informer<CachedDeployment>;
  private readonly events: Informer<CachedEvent>;
  private readonly podsByUser = new Map<string, Map<string, CachedPod>>();
  private readonly deploymentByUser = new Map<string, CachedDeployment>();
  private readonly eventsByPod = new Map<string, Map<string, CachedEvent>>();
  private readonly userByPod = new Map<string, string>();
  /** Computed statuses, dropped whenever one of the user's objects changes (reads >> changes). */
  private readonly statusMemo = new Map<string, InstanceStatus | null>();
  /** The whole list, until anything changes: the same array is returned so callers can cache its JSON. */
  private listMemo: InstanceStatus[] | undefined;
  private readonly listeners: UserChangeListener[] = [];

  constructor(client: KubeClient, namespace: string, logger: Logger) {
    const common = { client, logger, labelSelector: USER_LABEL };
    this.pods = new Informer<CachedPod>({
      ...common,
      path: collectionPath(RESOURCES.Pod, namespace),
      transform: trimPod,
      onChange: (ev, pod, prev) => this.indexPod(ev, pod, prev),
    });
    this.deployments = new Informer<CachedDeployment>({
      ...common,
      path: collectionPath(RESOURCES.Deployment, namespace),
      transform: trimDeployment,
      onChange: (ev, d, prev) => this.indexDeployment(ev, d, prev),
    });
    // Events carry no labels: select pod events by field and keep only the reasons we read.
    this.events = new Informer<CachedEvent>({
      client,
      logger,
      path: collectionPath(RESOURCES.Event, namespace),
      fieldSelector: "involvedObject.kind=Pod",
      transform: trimEvent,
      onChange: (ev, e) => this.indexEvent(ev, e),
    });
  }

  onUserChange(listener: UserChangeListener): void {
    this.listeners.push(listener);
  }

  private changed(userId: string | undefined): void {
    if (!userId) return;
    this.statusMemo.delete(userId);
    this.listMemo = undefined;
    for (const l of this.listeners) l(userId);
  }

  private indexPod(ev: "upsert" | "delete", pod: CachedPod, prev: CachedPod | undefined): void {
    const userId = pod.metadata.labels?.[USER_LABEL] ?? prev?.metadata.labels?.[USER_LABEL];
    if (!userId) return;
    let byName = this.podsByUser.get(userId);
    if (ev === "upsert") {
      if (!byName) this.podsByUser.set(userId, (byName = new Map()));
      byName.set(pod.metadata.name, pod);
      this.userByPod.set(pod.metadata.name, userId);
    } else {
      this.userByPod.delete(pod.metadata.name);
      byName?.delete(pod.metadata.name);
      if (byName?.size === 0) this.podsByUser.delete(userId);
      this.eventsByPod.delete(pod.metadata.name);
    }
    this.changed(userId);
  }

  private indexDeployment(ev: "upsert" | "delete", d: CachedDeployment, prev: CachedDeployment | undefined): void {
    const userId = d.metadata.labels?.[USER_LABEL] ?? prev?.metadata.labels?.[USER_LABEL];
    if (!userId) return;
    if (ev === "upsert") this.deploymentByUser.set(userId, d);
    else if (this.deploymentByUser.get(userId)?.metadata.name === d.metadata.name) this.deploymentByUser.delete(userId);
    this.changed(userId);
  }

  private indexEvent(ev: "upsert" | "delete", e: CachedEvent): void {
    const podName = e.involvedObject?.name;
    if (!podName) return;
    let byName = this.eventsByPod.get(podName);
    if (ev === "upsert") {
      if (!byName) this.eventsByPod.set(podName, (byName = new Map()));
      byName.set(e.metadata.name, e);
    } else {
      byName?.delete(e.metadata.name);
      if (byName?.size === 0) this.eventsByPod.delete(podName);
    }
    this.changed(this.userByPod.get(podName));
  }

  async start(): Promise<void> {
    await Promise.all([this.deployments.start(), this.pods.start(), this.events.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.deployments.stop(), this.pods.stop(), this.events.stop()]);
  }

  get synced(): boolean {
    return this.pods.synced && this.deployments.synced && this.events.synced;
  }

  /** The apply response of a Deployment, so a GET right after POST sees it before the watch does. */
  seedDeployment(raw: unknown): void {
    this.deployments.seed(raw);
  }

  forgetDeployment(name: string, resourceVersion: string | undefined): void {
    this.deployments.forget(name, resourceVersion);
  }

  has(userId: string): boolean {
    return this.deploymentByUser.has(userId);
  }

  deploymentOf(userId: string): CachedDeployment | undefined {
    return this.deploymentByUser.get(userId);
  }

  podsOf(userId: string): CachedPod[] {
    return [...(this.podsByUser.get(userId)?.values() ?? [])];
  }

  get(userId: string): InstanceStatus | null {
    const memo = this.statusMemo.get(userId);
    if (memo !== undefined) return memo;
    const status = instanceStatus(userId, this.deploymentByUser.get(userId), this.podsOf(userId), (pod) => [
      ...(this.eventsByPod.get(pod)?.values() ?? []),
    ]);
    // Only known users are remembered, so probing random names can't grow the map.
    if (status) this.statusMemo.set(userId, status);
    return status;
  }

  list(): InstanceStatus[] {
    if (this.listMemo) return this.listMemo;
    const out: InstanceStatus[] = [];
    for (const userId of [...this.deploymentByUser.keys()].sort()) {
      const s = this.get(userId);
      if (s) out.push(s);
    }
    this.listMemo = out;
    return out;
  }

  /** The three informers (tests force a re-watch from a compacted version through these). */
  get informers(): { pods: Informer<CachedPod>; deployments: Informer<CachedDeployment>; events: Informer<CachedEvent> } {
    return { pods: this.pods, deployments: this.deployments, events: this.events };
  }

  stats(): { deployments: number; pods: number; events: number; relists: number } {
    return {
      deployments: this.deployments.size,
      pods: this.pods.size,
      events: this.events.size,
      relists: this.pods.relists + this.deployments.relists + this.events.relists,
    };
  }
}
