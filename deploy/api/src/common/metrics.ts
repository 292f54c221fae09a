import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

/** One registry per app instance (tests run several apps in one process). */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: "clawbox_api_http_request_duration_seconds",
    help: "App API request duration by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly managerCalls = new Counter({
    name: "clawbox_api_manager_calls_total",
    help: "Calls from the App API to the Manager by outcome",
    labelNames: ["operation", "outcome"] as const,
    registers: [this.registry],
  });
  readonly authEvents = new Counter({
    name: "clawbox_api_auth_events_total",
    help: "Sign-ins, sign-ups, refreshes and refusals",
    labelNames: ["event", "outcome"] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "clawbox_api_" });
  }
}
