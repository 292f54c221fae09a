import type { ContainerStateSummary, InstancePhase, InstanceStatus, PodStatusSummary } from "@clawbox/shared";

/** The local runtime's facts about one instance, turned into the same shape as Kubernetes. */
export interface LocalFacts {
  userId: string;
  phase: InstancePhase;
  createdAt: string;
  startedAt?: string;
  message?: string;
  /** Why the gateway is not running now (ContainerCreating, CrashLoopBackOff). */
  waiting?: { reason: string; message?: string };
  /** How the previous gateway process ended. */
  lastState?: ContainerStateSummary;
  restartCount: number;
  vnc: { available: boolean; reason?: string };
  isolated: boolean;
  sleep?: { since: string; nextCronAt?: string };
  sleepPolicy?: { idleStopAfter?: string | null; sleepWithWhatsApp?: boolean };
}

export function toInstanceStatus(f: LocalFacts): InstanceStatus {
  const ready = f.phase === "running";
  const state: ContainerStateSummary = f.waiting
    ? { status: "waiting", reason: f.waiting.reason, ...(f.waiting.message ? { message: f.waiting.message } : {}) }
    : f.phase === "pending"
      ? { status: "waiting", reason: "ContainerCreating" }
      : { status: "running", ...(f.startedAt ? { startedAt: f.startedAt } : {}) };
  // Asleep there is no process set, as there is no pod of a Deployment scaled to 0.
  const pods: PodStatusSummary[] = [];
  const pod: PodStatusSummary = {
    name: `${f.userId}-openclaw-local`,
    phase: f.phase === "pending" ? "Pending" : "Running",
    ready,
    restartCount: f.restartCount,
    state,
    ...(f.lastState ? { lastState: f.lastState } : {}),
    conditions: { scheduled: true, initialized: f.phase !== "pending", containersReady: ready, ready },
    createdAt: f.createdAt,
  };
  if (f.phase !== "sleeping") pods.push(pod);
  const status: InstanceStatus = { userId: f.userId, ready, phase: f.phase, pods, createdAt: f.createdAt, vnc: f.vnc, isolated: f.isolated };
  if (f.phase === "sleeping" && f.sleep) status.sleep = { since: f.sleep.since, ...(f.sleep.nextCronAt ? { wakeAt: f.sleep.nextCronAt } : {}) };
  const policy = sleepPolicyView(f.sleepPolicy);
  if (policy) status.sleepPolicy = policy;
  if (f.phase === "error") status.message = f.message || f.waiting?.message || "gateway process exited";
  return status;
}

/** The stored policy as the status shows it: only what is set (null = default, not shown). */
export function sleepPolicyView(p: LocalFacts["sleepPolicy"]): InstanceStatus["sleepPolicy"] | undefined {
  if (!p) return undefined;
  const v: NonNullable<InstanceStatus["sleepPolicy"]> = {};
  if (typeof p.idleStopAfter === "string") v.idleStopAfter = p.idleStopAfter;
  if (typeof p.sleepWithWhatsApp === "boolean") v.sleepWithWhatsApp = p.sleepWithWhatsApp;
  return Object.keys(v).length ? v : undefined;
}
