/**
 * Pure mapping: a user's Deployment, Pods and Warning Events -> InstanceStatus (the guide's shape
 * and phase model). Fails fast to `error` on reasons that will not fix themselves, as the
 * DevWorkspace operator does, instead of leaving the app on "starting..." until a timeout.
 */
import type { ContainerStateSummary, InstancePhase, InstanceStatus, PodStatusSummary } from "@clawbox/shared";
import { CRON_WAKE_ANNOTATION, IDLE_STOP_ANNOTATION, SLEEP_WITH_WHATSAPP_ANNOTATION, SLEEPING_ANNOTATION } from "./sleep-annotations.ts";

/** The subset of the Kubernetes objects the mapping reads (plain JSON from the watch). */
export interface PodLike {
  metadata: { name: string; creationTimestamp?: string; deletionTimestamp?: string; labels?: Record<string, string> };
  status?: {
    phase?: string;
    message?: string;
    reason?: string;
    podIP?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: ContainerStatusLike[];
    initContainerStatuses?: ContainerStatusLike[];
  };
}

export interface ContainerStatusLike {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    running?: { startedAt?: string };
    waiting?: { reason?: string; message?: string };
    terminated?: { reason?: string; message?: string; exitCode?: number; startedAt?: string; finishedAt?: string };
  };
  /** How the previous run ended (kubelet keeps the last one): e.g. terminated, OOMKilled, exit 137. */
  lastState?: { terminated?: { reason?: string; message?: string; exitCode?: number; startedAt?: string; finishedAt?: string } };
}

export interface DeploymentLike {
  metadata: { name: string; creationTimestamp?: string; deletionTimestamp?: string; annotations?: Record<string, string> };
  spec?: { replicas?: number };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

export interface EventLike {
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  series?: { count?: number };
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
  metadata?: { creationTimestamp?: string };
  involvedObject?: { kind?: string; name?: string };
}

/** Container waiting reasons that never recover on their own. */
export const FATAL_WAITING_REASONS = new Set([
  "ImagePullBackOff",
  "ErrImagePull",
  "InvalidImageName",
  "ErrImageNeverPull",
  "CrashLoopBackOff",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
]);
/**
 * FailedScheduling only because the data claim is not bound yet: a provisioner (or the PV
 * controller) is still working on it. Not fatal; a claim that never binds shows in the PVC.
 */
const WAITING_FOR_VOLUME = /unbound immediate PersistentVolumeClaims|waiting for (first consumer|volume)/i;

/** FailedMount is often transient (volume still attaching); fatal from this many occurrences (DWO: 3). */
export const FAILED_MOUNT_THRESHOLD = 3;

const MAIN_CONTAINER = "gateway";

function eventTime(e: EventLike): number {
  return Date.parse(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? "") || 0;
}

function eventCount(e: EventLike): number {
  return Math.max(e.count ?? 1, e.series?.count ?? 0, 1);
}

function condition(pod: PodLike, type: string): boolean {
  return pod.status?.conditions?.some((c) => c.type === type && c.status === "True") ?? false;
}

function containerState(cs: ContainerStatusLike | undefined): ContainerStateSummary {
  const s = cs?.state;
  if (s?.running) return { status: "running", ...(s.running.startedAt ? { startedAt: s.running.startedAt } : {}) };
  if (s?.waiting) {
    return { status: "waiting", ...(s.waiting.reason ? { reason: s.waiting.reason } : {}), ...(s.waiting.message ? { message: s.waiting.message } : {}) };
  }
  if (s?.terminated) {
    const t = s.terminated;
    return {
      status: "terminated",
      ...(t.reason ? { reason: t.reason } : {}),
      ...(t.message ? { message: t.message } : {}),
      ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}),
      ...(t.startedAt ? { startedAt: t.startedAt } : {}),
      ...(t.finishedAt ? { finishedAt: t.finishedAt } : {}),
    };
  }
  return { status: "unknown" };
}

export function summarizePod(pod: PodLike): PodStatusSummary {
  const statuses = pod.status?.containerStatuses ?? [];
  const main = statuses.find((c) => c.name === MAIN_CONTAINER) ?? statuses[0];
  return {
    name: pod.metadata.name,
    phase: pod.status?.phase ?? "Unknown",
    ready: condition(pod, "Ready"),
    restartCount: statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0),
    state: containerState(main),
    // The gateway's previous run after a restart (OOMKilled, Error), as the local runtime reports it.
    ...(main?.lastState?.terminated ? { lastState: containerState({ name: main.name, state: { terminated: main.lastState.terminated } }) } : {}),
    conditions: {
      scheduled: condition(pod, "PodScheduled"),
      initialized: condition(pod, "Initialized"),
      containersReady: condition(pod, "ContainersReady"),
      ready: condition(pod, "Ready"),
    },
    createdAt: pod.metadata.creationTimestamp ?? "",
  };
}

/** Why this pod will not become ready by itself, or null. */
export function podFailure(pod: PodLike, events: EventLike[]): string | null {
  const s = pod.status;
  if (s?.phase === "Failed") return [s.reason ?? "Failed", s.message].filter(Boolean).join(": ");
  for (const cs of [...(s?.initContainerStatuses ?? []), ...(s?.containerStatuses ?? [])]) {
    const w = cs.state?.waiting;
    if (w?.reason && FATAL_WAITING_REASONS.has(w.reason)) {
      return `${w.reason}: ${w.message ?? `container ${cs.name} is not starting`}`;
    }
  }
  const warnings = events.filter((e) => e.type === undefined || e.type === "Warning");
  const scaleUp = Math.max(0, ...events.filter((e) => e.reason === "TriggeredScaleUp").map(eventTime));
  // FailedScheduling is fatal unless the cluster autoscaler is adding a node for this pod (GKE Autopilot
  // emits TriggeredScaleUp right after FailedScheduling on every cold scale-up). Only while unscheduled.
  if (!condition(pod, "PodScheduled")) {
    const sched = warnings.filter((e) => e.reason === "FailedScheduling").sort((a, b) => eventTime(b) - eventTime(a))[0];
    if (sched && eventTime(sched) > scaleUp && !WAITING_FOR_VOLUME.test(sched.message ?? "")) return `FailedScheduling: ${sched.message ?? "pod cannot be scheduled"}`;
    const noScale = warnings.find((e) => e.reason === "NotTriggerScaleUp");
    if (noScale) return `NotTriggerScaleUp: ${noScale.message ?? "no node group can fit the pod"}`;
  }
  if (!condition(pod, "Ready")) {
    const mounts = warnings.filter((e) => e.reason === "FailedMount" || e.reason === "FailedAttachVolume");
    const total = mounts.reduce((n, e) => n + eventCount(e), 0);
    if (total >= FAILED_MOUNT_THRESHOLD) {
      const last = mounts.sort((a, b) => eventTime(b) - eventTime(a))[0];
      return `${last?.reason ?? "FailedMount"} (${total}x): ${last?.message ?? "volume cannot be mounted"}`;
    }
  }
  return null;
}

function deploymentFailure(d: DeploymentLike): string | null {
  for (const c of d.status?.conditions ?? []) {
    if (c.type === "ReplicaFailure" && c.status === "True") return `${c.reason ?? "ReplicaFailure"}: ${c.message ?? ""}`.trim();
    if (c.type === "Progressing" && c.status === "False" && c.reason === "ProgressDeadlineExceeded") {
      return `ProgressDeadlineExceeded: ${c.message ?? ""}`.trim();
    }
  }
  return null;
}

const newestFirst = (a: PodLike, b: PodLike) =>
  (Date.parse(b.metadata.creationTimestamp ?? "") || 0) - (Date.parse(a.metadata.creationTimestamp ?? "") || 0);

/**
 * Phase model (guide "추가 운영"): no Deployment -> null (404); Deployment but no pod -> pending;
 * pod unscheduled / pulling / creating -> pending; running, not ready -> starting; ready -> running;
 * a fail-fast reason -> error with `message`; anything else -> unknown.
 */
export function instanceStatus(
  userId: string,
  deployment: DeploymentLike | undefined,
  pods: PodLike[],
  eventsOf: (podName: string) => EventLike[],
): InstanceStatus | null {
  if (!deployment) return null;
  const sorted = [...pods].sort(newestFirst);
  const active = sorted.filter((p) => !p.metadata.deletionTimestamp);
  const summaries = sorted.map(summarizePod);
  const base = { userId, pods: summaries, ...(deployment.metadata.creationTimestamp ? { createdAt: deployment.metadata.creationTimestamp } : {}) };

  const policy = sleepPolicyOf(deployment);
  if (policy) Object.assign(base, { sleepPolicy: policy });
  const asleepSince = deployment.metadata.annotations?.[SLEEPING_ANNOTATION];
  if (asleepSince && deployment.spec?.replicas === 0) {
    // Scaled to 0 by the Manager's sleep (not by hand): sleeping, even while the last pod terminates.
    const wakeAt = deployment.metadata.annotations?.[CRON_WAKE_ANNOTATION];
    return { ...base, ready: false, phase: "sleeping", sleep: { since: asleepSince, ...(wakeAt ? { wakeAt } : {}) } };
  }

  const current = active[0];
  const failure = (current ? podFailure(current, eventsOf(current.metadata.name)) : null) ?? deploymentFailure(deployment);
  if (failure) return { ...base, ready: false, phase: "error", message: failure };

  let phase: InstancePhase;
  if (!current) phase = "pending";
  else if (condition(current, "Ready")) phase = "running";
  else if (current.status?.phase === "Running") phase = "starting";
  else if (current.status?.phase === "Pending" || current.status?.phase === undefined) phase = "pending";
  else phase = "unknown";
  return { ...base, ready: phase === "running", phase };
}

function sleepPolicyOf(d: DeploymentLike): InstanceStatus["sleepPolicy"] | undefined {
  const a = d.metadata.annotations ?? {};
  const p: NonNullable<InstanceStatus["sleepPolicy"]> = {};
  if (a[IDLE_STOP_ANNOTATION]) p.idleStopAfter = a[IDLE_STOP_ANNOTATION];
  if (a[SLEEP_WITH_WHATSAPP_ANNOTATION] === "true" || a[SLEEP_WITH_WHATSAPP_ANNOTATION] === "false") p.sleepWithWhatsApp = a[SLEEP_WITH_WHATSAPP_ANNOTATION] === "true";
  return Object.keys(p).length ? p : undefined;
}
