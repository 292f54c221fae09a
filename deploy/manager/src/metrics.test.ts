import { describe, expect, it } from "vitest";
import { ManagerMetrics } from "./metrics.ts";

const status = (userId: string, phase: "pending" | "running") => ({ userId, phase, ready: phase === "running", pods: [] });

describe("ManagerMetrics", () => {
  it("observes create-to-running once, at the first running status", async () => {
    const m = new ManagerMetrics();
    m.createStarted("alice", performance.now() - 2500);
    m.statusSeen("alice", status("alice", "pending"));
    expect(m.isTracking("alice")).toBe(true);
    m.statusSeen("alice", status("alice", "running"));
    m.statusSeen("alice", status("alice", "running"));
    expect(m.isTracking("alice")).toBe(false);
    const h = (await m.createToRunning.get()).values;
    expect(h.find((v) => v.metricName?.endsWith("_count"))?.value).toBe(1);
    const sum = h.find((v) => v.metricName?.endsWith("_sum"))?.value ?? 0;
    expect(sum).toBeGreaterThanOrEqual(2.5);
    expect(sum).toBeLessThan(60);
  });
  it("stops tracking a deleted instance without observing", async () => {
    const m = new ManagerMetrics();
    m.createStarted("bob");
    m.statusSeen("bob", null);
    expect(m.isTracking("bob")).toBe(false);
    expect((await m.createToRunning.get()).values.find((v) => v.metricName?.endsWith("_count"))?.value).toBe(0);
  });
  it("counts instances by phase from the runtime's list, and API calls and errors", async () => {
    const m = new ManagerMetrics();
    m.countInstancesFrom(async () => [status("a", "running"), status("b", "running"), status("c", "pending")] as any);
    m.apiCall({ verb: "apply", resource: "secrets", status: 201 });
    m.apiCall({ verb: "apply", resource: "deployments", status: 0 });
    const text = await m.registry.metrics();
    expect(text).toContain('openclaw_manager_instances{phase="running"} 2');
    expect(text).toContain('openclaw_manager_instances{phase="pending"} 1');
    expect(text).toContain('openclaw_manager_instances{phase="error"} 0');
    expect(text).toContain('openclaw_manager_apiserver_requests_total{verb="apply",resource="secrets",code="201"} 1');
    expect(text).toContain('openclaw_manager_apiserver_errors_total{verb="apply",resource="deployments",reason="unreachable"} 1');
  });
});
