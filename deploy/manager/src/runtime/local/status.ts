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
}

export function toInstanceStatus(f: LocalFacts): InstanceStatus {
  const ready = f.phase === "running";
  const state: ContainerStateSummary = f.waiting
    ? { status: "waiting", reason: f.waiting.reason, ...(f.waiting.message ? { message: f.waiting.message } : {}) }
    : f.phase === "pending"
      ? { status: "waiting", reason: "ContainerCreating" }
      : { status: "running", ...(f.startedAt ? { startedAt: f.startedAt } : {}) };
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
  const status: InstanceStatus = { userId: f.userId, ready, phase: f.phase, pods: [pod], createdAt: f.createdAt, vnc: f.vnc, isolated: f.isolated };
  if (f.phase === "error") status.message = f.message || f.waiting?.message || "gateway process exited";
  return status;
}
