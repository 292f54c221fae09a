/**
 * Prometheus metrics (prom-client, own registry), served at GET /metrics:
 *   openclaw_manager_instances{phase}                       instances by phase (computed at scrape)
 *   openclaw_manager_create_to_running_seconds              POST that created an instance -> phase running
 *   openclaw_manager_apiserver_requests_total{verb,resource,code}   every Kubernetes API call
 *   openclaw_manager_apiserver_errors_total{verb,resource,reason}   failed ones (>=400 or unreachable)
 *   openclaw_manager_cleanups_total{cause}                  rollbacks of failed creates, orphans the reconciler removed
 * plus the default process metrics (RSS, heap, event loop lag).
 */
import { INSTANCE_PHASES, type InstanceStatus } from "@clawbox/shared";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export class ManagerMetrics {
  readonly registry = new Registry();
  readonly apiRequests: Counter<"verb" | "resource" | "code">;
  readonly apiErrors: Counter<"verb" | "resource" | "reason">;
  readonly createToRunning: Histogram;
  readonly cleanups: Counter<"cause">;
  private listInstances: (() => Promise<InstanceStatus[]>) | undefined;
  /** userId -> time its create was accepted; cleared when it first reports running (or is deleted). */
  private readonly pendingCreates = new Map<string, number>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "openclaw_manager_" });
    const self = this;
    new Gauge({
      name: "openclaw_manager_instances",
      help: "Instances by phase (pending, starting, running, error, unknown)",
      labelNames: ["phase"],
      registers: [this.registry],
      async collect() {
        const counts = Object.fromEntries(INSTANCE_PHASES.map((p) => [p, 0]));
        for (const s of (await self.listInstances?.()) ?? []) counts[s.phase] = (counts[s.phase] ?? 0) + 1;
        for (const [phase, n] of Object.entries(counts)) this.set({ phase }, n);
      },
    });
    this.createToRunning = new Histogram({
      name: "openclaw_manager_create_to_running_seconds",
      help: "Seconds from a POST /api/instances that created an instance until it was first running",
      buckets: [0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600],
      registers: [this.registry],
    });
    this.apiRequests = new Counter({
      name: "openclaw_manager_apiserver_requests_total",
      help: "Kubernetes API server requests by verb (get, list, watch, apply, delete), resource and HTTP code (0 = unreachable)",
      labelNames: ["verb", "resource", "code"],
      registers: [this.registry],
    });
    this.apiErrors = new Counter({
      name: "openclaw_manager_apiserver_errors_total",
      help: "Kubernetes API server requests that failed (HTTP >= 400 or unreachable)",
      labelNames: ["verb", "resource", "reason"],
      registers: [this.registry],
    });
    this.cleanups = new Counter({
      name: "openclaw_manager_cleanups_total",
      help: "Instances whose objects were removed because they were incomplete: cause rollback (a failed create) or orphan (the reconciler)",
      labelNames: ["cause"],
      registers: [this.registry],
    });
  }

  /** Where the instances gauge reads from (the runtime's cached list). */
  countInstancesFrom(list: () => Promise<InstanceStatus[]>): void {
    this.listInstances = list;
  }

  apiCall(call: { verb: string; resource: string; status: number }): void {
    this.apiRequests.inc({ verb: call.verb, resource: call.resource, code: String(call.status) });
    if (call.status === 0 || call.status >= 400) {
      this.apiErrors.inc({ verb: call.verb, resource: call.resource, reason: call.status === 0 ? "unreachable" : String(call.status) });
    }
  }

  /** A POST created a new instance: start its create-to-running clock. */
  createStarted(userId: string, at = performance.now()): void {
    this.pendingCreates.set(userId, at);
  }

  isTracking(userId: string): boolean {
    return this.pendingCreates.has(userId);
  }

  /** Feed status changes of tracked instances; the first `running` stops the clock. */
  statusSeen(userId: string, status: InstanceStatus | null): void {
    const started = this.pendingCreates.get(userId);
    if (started === undefined) return;
    if (status === null) this.pendingCreates.delete(userId);
    else if (status.phase === "running") {
      this.createToRunning.observe((performance.now() - started) / 1000);
      this.pendingCreates.delete(userId);
    }
  }
}
