import { setTimeout as sleep } from "node:timers/promises";
import { GatewayError, HttpError, notFound, unavailable, type InstanceEndpoint } from "@clawbox/shared";
import type { ManagerContext } from "../context.ts";
import type { AgentPool } from "./agent-pool.ts";
import { RESTART_RETRY_DELAY_MS, retryableAfterRestart } from "./restart-wait.ts";

/**
 * Calls one instance's gateway through its agent, with the one error shape:
 * unknown instance -> 404, not running yet -> 503 naming the phase, agent/gateway unreachable
 * -> 503, no answer in time -> 504, the gateway's own error -> 502 with its code and details.
 * A call caught by a gateway restart waits for the gateway first (restart-wait.ts).
 */
export const DEFAULT_RPC_TIMEOUT_MS = 30_000;
/** Margin so the agent's own timeout (and its clear error) arrives before ours. */
const TRANSPORT_MARGIN_MS = 2000;

export class InstanceGateway {
  private readonly ctx: ManagerContext;
  private readonly pool: AgentPool;

  constructor(ctx: ManagerContext, pool: AgentPool) {
    this.ctx = ctx;
    this.pool = pool;
  }

  /**
   * The endpoint of a running instance, or the HTTP error explaining why there is none. A
   * sleeping instance is woken first and the call waits for it (the one place every gateway
   * route passes through), reporting progress to `onWake`.
   */
  async endpoint(userId: string, onWake?: (phase: "waking" | "awake") => void): Promise<InstanceEndpoint> {
    await this.ctx.sleep?.ensureAwake(userId, onWake);
    const status = await this.ctx.runtime.get(userId);
    if (!status) throw notFound(`instance ${userId} not found`);
    if (status.phase !== "running") {
      throw unavailable(
        status.phase === "error"
          ? `instance ${userId} is in error: ${status.message ?? "gateway not running"}`
          : `instance ${userId} is not running yet (phase ${status.phase})`,
        { phase: status.phase },
      );
    }
    const ep = await this.ctx.runtime.endpoint(userId);
    if (!ep) throw notFound(`instance ${userId} not found`);
    return ep;
  }

  /**
   * Before a stream's 200: the 404/503 endpoint() would answer, except that a sleeping or
   * waking instance passes (the stream wakes it and reports progress in its events).
   */
  async servable(userId: string): Promise<void> {
    const status = await this.ctx.runtime.get(userId);
    if (status && (status.phase === "sleeping" || this.ctx.sleep?.isWaking(userId))) return;
    await this.endpoint(userId);
  }

  /**
   * One gateway call. Across a gateway restart (restart-wait.ts says which failures) it waits for
   * the gateway and sends the call again, for up to CLAWBOX_WAKE_TIMEOUT; then the last error.
   */
  async call<T = unknown>(
    userId: string,
    method: string,
    params?: unknown,
    timeoutMs = DEFAULT_RPC_TIMEOUT_MS,
    { restartWaitMs = this.ctx.config.sleep.wakeTimeoutMs }: { restartWaitMs?: number } = {},
  ): Promise<T> {
    const waitUntil = Date.now() + restartWaitMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const ep = await this.endpoint(userId);
        return await this.pool.get(userId, ep).request<T>(method, params, {
          timeoutMs: timeoutMs + TRANSPORT_MARGIN_MS,
          frame: { timeoutMs },
        });
      } catch (e) {
        if (!retryableAfterRestart(e, method, params) || Date.now() + RESTART_RETRY_DELAY_MS >= waitUntil) throw toHttpError(e);
        if (attempt === 1) this.ctx.logger.info({ userId, method, reason: (e as Error).message }, "gateway restarting; the call waits for it");
        await sleep(RESTART_RETRY_DELAY_MS);
      }
    }
  }

  /**
   * Restarts the instance's processes, keeping everything (a rollout restart on Kubernetes), and
   * waits until it runs again, at most until `deadline`: for a config change the gateway took but
   * did not apply.
   */
  async restartInstance(userId: string, reason: string, deadline: number): Promise<void> {
    this.ctx.logger.warn({ userId, reason }, "restarting the instance to apply its config");
    if (!(await this.ctx.runtime.restart(userId))) throw notFound(`instance ${userId} not found`);
    while (Date.now() < deadline) {
      const s = await this.ctx.runtime.get(userId);
      if (s?.phase === "running") return;
      if (s?.phase === "error") throw unavailable(`instance ${userId} is in error: ${s.message ?? "gateway not running"}`, { phase: s.phase });
      await sleep(500);
    }
  }

  /** PNG bytes of the instance's live browser tab (the agent reads the gateway's file). */
  async screenshot(userId: string, timeoutMs = 120_000): Promise<Buffer> {
    const res = await this.agentHttp(userId, "GET", "/screenshot", "screenshot", timeoutMs);
    return Buffer.from(await res.arrayBuffer());
  }

  /**
   * Starts the instance's Chromium if it is not running. Called when someone opens the live view:
   * OpenClaw starts its browser only when a tool first needs it, and until then the view is black.
   */
  async startBrowser(userId: string, timeoutMs = 120_000): Promise<void> {
    await this.agentHttp(userId, "POST", "/browser/start", "browser start", timeoutMs);
  }

  /** One HTTP call to the instance's agent; any answer but 2xx becomes the one error shape. */
  private async agentHttp(userId: string, method: "GET" | "POST", path: string, what: string, timeoutMs: number): Promise<Response> {
    const ep = await this.endpoint(userId);
    let res: Response;
    try {
      res = await fetch(`${ep.agentUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${ep.agentToken}` },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const err = e as Error;
      if (err.name === "TimeoutError") throw new HttpError(504, `${what} of ${userId} timed out after ${timeoutMs} ms`, { code: "TIMEOUT" });
      throw unavailable(`agent of ${userId} unreachable: ${(err.cause as NodeJS.ErrnoException)?.code ?? err.message}`);
    }
    if (res.ok) return res;
    const body = (await res.json().catch(() => ({}))) as { error?: string; code?: string; details?: Record<string, unknown> };
    throw new HttpError(res.status >= 500 ? res.status : 502, body.error ?? `agent answered HTTP ${res.status}`, {
      code: body.code ?? "AGENT_ERROR",
      ...(body.details ? { details: body.details } : {}),
    });
  }

  evict(userId: string) {
    this.pool.evict(userId);
  }
}

export function toHttpError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  if (e instanceof GatewayError) {
    return new HttpError(e.status, e.message, { code: e.code, ...(e.details ? { details: e.details } : {}) });
  }
  return new HttpError(502, (e as Error).message ?? "gateway call failed", { code: "GATEWAY_ERROR" });
}
