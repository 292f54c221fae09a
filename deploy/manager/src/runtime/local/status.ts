import type { InstancePhase, InstanceStatus, PodStatusSummary } from "@clawbox/shared";

/** The local runtime's facts about one instance, turned into the same shape as Kubernetes. */
export interface LocalFacts {
  userId: string;
  phase: InstancePhase;
  createdAt: string;
  startedAt?: string;
  message?: string;
  exitCode?: number;
  finishedAt?: string;
  restartCount: number;
  vnc: { available: boolean; reason?: string };
}

export function toInstanceStatus(f: LocalFacts): InstanceStatus {
  const ready = f.phase === "running";
  const pod: PodStatusSummary = {
    name: `${f.userId}-openclaw-local`,
    phase: f.phase === "pending" ? "Pending" : f.phase === "error" ? "Failed" : "Running",
    ready,
    restartCount: f.restartCount,
    state:
      f.phase === "error"
        ? {
            status: "terminated",
            reason: "Error",
            ...(f.message ? { message: f.message } : {}),
            ...(f.exitCode !== undefined ? { exitCode: f.exitCode } : {}),
            ...(f.finishedAt ? { finishedAt: f.finishedAt } : {}),
          }
        : f.phase === "pending"
          ? { status: "waiting", reason: "ContainerCreating" }
          : { status: "running", ...(f.startedAt ? { startedAt: f.startedAt } : {}) },
    conditions: { scheduled: true, initialized: f.phase !== "pending", containersReady: ready, ready },
    createdAt: f.createdAt,
  };
  const status: InstanceStatus = { userId: f.userId, ready, phase: f.phase, pods: [pod], createdAt: f.createdAt, vnc: f.vnc };
  if (f.phase === "error") status.message = f.message || "gateway process exited";
  return status;
}
