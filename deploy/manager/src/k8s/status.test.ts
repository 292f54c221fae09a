import { describe, expect, it } from "vitest";
import { type EventLike, instanceStatus, type PodLike } from "./status.ts";
import { trimPod } from "../runtime/kubernetes/cache.ts";

const deployment = { metadata: { name: "alice-openclaw", creationTimestamp: "2026-02-13T05:29:49Z" } };
const cond = (scheduled: boolean, ready: boolean, initialized = scheduled) => [
  { type: "PodScheduled", status: scheduled ? "True" : "False" },
  { type: "Initialized", status: initialized ? "True" : "False" },
  { type: "ContainersReady", status: ready ? "True" : "False" },
  { type: "Ready", status: ready ? "True" : "False" },
];
const pod = (status: PodLike["status"], name = "alice-openclaw-abc", created = "2026-02-13T05:29:50Z"): PodLike => ({
  metadata: { name, creationTimestamp: created },
  status,
});
const noEvents = () => [];
const status = (pods: PodLike[], events: EventLike[] = [], d: any = deployment) => instanceStatus("alice", d, pods, () => events);

describe("instanceStatus", () => {
  it("is null (404) without a Deployment", () => {
    expect(instanceStatus("alice", undefined, [], noEvents)).toBeNull();
  });

  it("is pending with a Deployment and no pod yet", () => {
    expect(status([])).toEqual({ userId: "alice", ready: false, phase: "pending", pods: [], createdAt: "2026-02-13T05:29:49Z" });
  });

  it("is pending while unscheduled or creating containers", () => {
    expect(status([pod({ phase: "Pending", conditions: cond(false, false) })])!.phase).toBe("pending");
    const creating = status([pod({ phase: "Pending", conditions: cond(true, false), containerStatuses: [{ name: "gateway", state: { waiting: { reason: "ContainerCreating" } } }] })]);
    expect(creating!.phase).toBe("pending");
    expect(creating!.pods[0]!.state).toEqual({ status: "waiting", reason: "ContainerCreating" });
  });

  it("is starting while running but not ready, running when ready, in the guide's exact shape", () => {
    const running = { running: { startedAt: "2026-02-13T05:30:00Z" } };
    expect(status([pod({ phase: "Running", conditions: cond(true, false), containerStatuses: [{ name: "gateway", state: running, restartCount: 0 }] })])!.phase).toBe("starting");
    const s = status([
      pod({
        phase: "Running",
        conditions: cond(true, true),
        containerStatuses: [
          { name: "agent", state: running, restartCount: 0, ready: true },
          { name: "gateway", state: running, restartCount: 0, ready: true },
        ],
      }),
    ]);
    expect(s).toEqual({
      userId: "alice",
      ready: true,
      phase: "running",
      createdAt: "2026-02-13T05:29:49Z",
      pods: [
        {
          name: "alice-openclaw-abc",
          phase: "Running",
          ready: true,
          restartCount: 0,
          state: { status: "running", startedAt: "2026-02-13T05:30:00Z" },
          conditions: { scheduled: true, initialized: true, containersReady: true, ready: true },
          createdAt: "2026-02-13T05:29:50Z",
        },
      ],
    });
    expect(s).not.toHaveProperty("message");
  });

  it.each(["ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff", "CreateContainerConfigError"])("fails fast on %s with a message", (reason) => {
    const s = status([
      pod({ phase: reason === "CrashLoopBackOff" ? "Running" : "Pending", conditions: cond(true, false), containerStatuses: [{ name: "gateway", restartCount: 3, state: { waiting: { reason, message: "back-off 5m0s restarting failed container" } } }] }),
    ]);
    expect(s!.phase).toBe("error");
    expect(s!.ready).toBe(false);
    expect(s!.message).toBe(`${reason}: back-off 5m0s restarting failed container`);
    expect(s!.pods[0]!.restartCount).toBe(3);
  });

  it("reports how the gateway's previous run ended (an OOM kill), through the watch cache's trimmed pod", () => {
    const raw = {
      metadata: { name: "alice-openclaw-abc", creationTimestamp: "2026-02-13T05:29:50Z", labels: { "openclaw.ai/user": "alice" } },
      status: {
        phase: "Running",
        conditions: cond(true, false),
        containerStatuses: [
          {
            name: "gateway",
            restartCount: 1,
            state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 10s restarting failed container=gateway" } },
            lastState: { terminated: { reason: "OOMKilled", exitCode: 137, startedAt: "2026-02-13T05:30:00Z", finishedAt: "2026-02-13T05:30:09Z", containerID: "containerd://x" } },
          },
          { name: "agent", restartCount: 0, state: { running: { startedAt: "2026-02-13T05:30:00Z" } }, lastState: {} },
        ],
      },
    };
    const s = status([trimPod(raw)!])!;
    expect(s.phase).toBe("error");
    expect(s.pods[0]!.lastState).toEqual({ status: "terminated", reason: "OOMKilled", exitCode: 137, startedAt: "2026-02-13T05:30:00Z", finishedAt: "2026-02-13T05:30:09Z" });
    // No previous run, no lastState.
    expect(status([pod({ phase: "Running", conditions: cond(true, true), containerStatuses: [{ name: "gateway", state: { running: {} }, restartCount: 0 }] })])!.pods[0]).not.toHaveProperty("lastState");
  });

  it("fails fast when the agent sidecar crash-loops too", () => {
    const s = status([pod({ phase: "Running", conditions: cond(true, false), containerStatuses: [{ name: "gateway", state: { running: {} } }, { name: "agent", state: { waiting: { reason: "CrashLoopBackOff" } } }] })]);
    expect(s!.phase).toBe("error");
    expect(s!.message).toMatch(/^CrashLoopBackOff: container agent/);
  });

  it("fails fast on FailedScheduling unless the autoscaler is scaling up", () => {
    const unscheduled = pod({ phase: "Pending", conditions: cond(false, false) });
    const failed: EventLike = { type: "Warning", reason: "FailedScheduling", message: "0/2 nodes are available: 2 Insufficient memory.", lastTimestamp: "2026-02-13T05:30:00Z" };
    const s = status([unscheduled], [failed]);
    expect(s!.phase).toBe("error");
    expect(s!.message).toBe("FailedScheduling: 0/2 nodes are available: 2 Insufficient memory.");
    const scaling: EventLike = { type: "Normal", reason: "TriggeredScaleUp", message: "pod triggered scale-up", lastTimestamp: "2026-02-13T05:30:05Z" };
    expect(status([unscheduled], [failed, scaling])!.phase).toBe("pending");
  });

  it("keeps waiting while the data claim is still being bound", () => {
    const unscheduled = pod({ phase: "Pending", conditions: cond(false, false) });
    const unbound: EventLike = { type: "Warning", reason: "FailedScheduling", message: "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling." };
    expect(status([unscheduled], [unbound])!.phase).toBe("pending");
  });

  it("fails on FailedMount only when repeated", () => {
    const p = pod({ phase: "Pending", conditions: cond(true, false) });
    const mount = (count: number): EventLike => ({ type: "Warning", reason: "FailedMount", message: "MountVolume.SetUp failed", count });
    expect(status([p], [mount(1)])!.phase).toBe("pending");
    expect(status([p], [mount(2)])!.phase).toBe("pending");
    const s = status([p], [mount(3)]);
    expect(s!.phase).toBe("error");
    expect(s!.message).toBe("FailedMount (3x): MountVolume.SetUp failed");
    expect(status([p], [mount(1), mount(2)])!.phase).toBe("error");
  });

  it("reports a failed pod and a failed Deployment", () => {
    expect(status([pod({ phase: "Failed", reason: "Evicted", message: "low on memory" })])!.message).toBe("Evicted: low on memory");
    const quota = { ...deployment, status: { conditions: [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: "exceeded quota" }] } };
    expect(status([], [], quota)).toMatchObject({ phase: "error", message: "FailedCreate: exceeded quota" });
  });

  it("judges by the newest live pod, listing terminating ones too", () => {
    const old = { ...pod({ phase: "Running", conditions: cond(true, true) }, "alice-openclaw-old", "2026-02-13T05:00:00Z") };
    old.metadata.deletionTimestamp = "2026-02-13T05:31:00Z";
    const fresh = pod({ phase: "Pending", conditions: cond(true, false) }, "alice-openclaw-new", "2026-02-13T05:31:01Z");
    const s = status([old, fresh]);
    expect(s!.phase).toBe("pending");
    expect(s!.pods.map((p) => p.name)).toEqual(["alice-openclaw-new", "alice-openclaw-old"]);
    expect(status([old])!.phase).toBe("pending");
  });

  it("is unknown for a pod in an unexpected phase", () => {
    expect(status([pod({ phase: "Succeeded", conditions: cond(true, false) })])!.phase).toBe("unknown");
    expect(status([pod({ phase: "Unknown" })])!.phase).toBe("unknown");
  });
});
