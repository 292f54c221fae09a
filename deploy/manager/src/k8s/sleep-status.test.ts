import { describe, expect, it } from "vitest";
import { trimDeployment } from "../runtime/kubernetes/cache.ts";
import { toInstanceStatus } from "../runtime/local/status.ts";
import { instanceStatus } from "./status.ts";

const labels = { "openclaw.ai/user": "u1" };
const raw = (replicas: number, annotations: Record<string, string> = {}) => ({
  metadata: { name: "u1-openclaw", labels, annotations: { "deployment.kubernetes.io/revision": "3", ...annotations }, creationTimestamp: "2026-01-01T00:00:00Z" },
  spec: { replicas, template: {} },
  status: {},
});

describe("phase sleeping", () => {
  it("Kubernetes: a Deployment scaled to 0 with the sleeping annotation is sleeping, with its cron wake time", () => {
    const d = trimDeployment(raw(0, { "openclaw.ai/sleeping": "2026-01-02T00:00:00Z", "openclaw.ai/cron-wake-at": "2026-01-02T01:00:00Z" }))!;
    // The cache keeps only what the mapping reads.
    expect(d.metadata.annotations).toEqual({ "openclaw.ai/sleeping": "2026-01-02T00:00:00Z", "openclaw.ai/cron-wake-at": "2026-01-02T01:00:00Z" });
    expect(instanceStatus("u1", d, [], () => [])).toMatchObject({
      phase: "sleeping",
      ready: false,
      sleep: { since: "2026-01-02T00:00:00Z", wakeAt: "2026-01-02T01:00:00Z" },
    });
  });

  it("Kubernetes: scaled to 0 by hand, or scaled back up with the annotation still there, is not sleeping", () => {
    expect(instanceStatus("u1", trimDeployment(raw(0))!, [], () => [])?.phase).toBe("pending");
    expect(instanceStatus("u1", trimDeployment(raw(1, { "openclaw.ai/sleeping": "2026-01-02T00:00:00Z" }))!, [], () => [])?.phase).toBe("pending");
  });

  it("Kubernetes: the sleep policy annotations show as the instance's sleepPolicy", () => {
    const d = trimDeployment(raw(1, { "openclaw.ai/idle-stop-after": "5m", "openclaw.ai/sleep-with-whatsapp": "true" }))!;
    expect(instanceStatus("u1", d, [], () => [])?.sleepPolicy).toEqual({ idleStopAfter: "5m", sleepWithWhatsApp: true });
  });

  it("local: a sleeping instance has no process set (no pod), as a Deployment at 0 replicas", () => {
    const s = toInstanceStatus({
      userId: "u1",
      phase: "sleeping",
      createdAt: "2026-01-01T00:00:00Z",
      restartCount: 0,
      vnc: { available: false },
      isolated: true,
      sleep: { since: "2026-01-02T00:00:00Z" },
      sleepPolicy: { idleStopAfter: null, sleepWithWhatsApp: false },
    });
    expect(s).toMatchObject({ phase: "sleeping", ready: false, pods: [], sleep: { since: "2026-01-02T00:00:00Z" }, sleepPolicy: { sleepWithWhatsApp: false } });
    expect(s.sleepPolicy).not.toHaveProperty("idleStopAfter");
  });
});
