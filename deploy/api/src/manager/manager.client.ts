import { Inject, Injectable } from "@nestjs/common";
import { type CreateInstanceInput, HttpError, type InstanceStatus, type Logger, type ModelSettings } from "@clawbox/shared";
import type { ApiConfig } from "../config.ts";
import { ApiMetrics } from "../common/metrics.ts";
import { CONFIG, LOGGER } from "../common/tokens.ts";

export interface ManagerCall {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path below /api/instances/<userId>, e.g. "/telegram/status"; "" for the instance itself. */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  timeoutMs?: number;
}

/** Manager answers whose status the App API passes on as they are. */
const PASSED_THROUGH = new Set([400, 404, 409, 422, 429, 502, 503, 504]);

/**
 * HTTP client of the internal Manager (`MANAGER_URL`, `Authorization: Bearer MANAGER_API_KEY`).
 * Every failure becomes an HttpError in the one error shape; the API key never appears in one.
 */
/** Room for the Manager to wake a sleeping assistant before it serves a passed-through call. */
const WAKE_ALLOWANCE_MS = 65_000;

@Injectable()
export class ManagerClient {
  constructor(
    @Inject(CONFIG) private readonly config: ApiConfig,
    private readonly metrics: ApiMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  create(userId: string, secrets: Record<string, string>, model?: ModelSettings): Promise<InstanceStatus & { created?: boolean }> {
    const body: CreateInstanceInput = { userId, secrets, ...(model ? { model } : {}) };
    return this.request("create", "POST", "/api/instances", { body });
  }

  /** The instance restarts with the new model, keeping its data; null when the Manager has no such instance. */
  async setModel(userId: string, model: ModelSettings | null): Promise<InstanceStatus | null> {
    const path = `/api/instances/${encodeURIComponent(userId)}/model`;
    try {
      return model
        ? await this.request<InstanceStatus>("model.set", "PUT", path, { body: model, timeoutMs: Math.max(this.config.managerTimeoutMs, 90_000) })
        : await this.request<InstanceStatus>("model.clear", "DELETE", path, { timeoutMs: Math.max(this.config.managerTimeoutMs, 90_000) });
    } catch (e) {
      if (e instanceof HttpError && e.status === 404) return null;
      throw e;
    }
  }

  /**
   * A streaming call (the chat's text/event-stream): the open Response, for the caller to pipe.
   * Failures before the stream starts are the usual HttpErrors. `signal` ends it (client gone).
   */
  async stream(userId: string, path: string, body: unknown, signal: AbortSignal): Promise<Response> {
    const url = `${this.config.managerUrl}/api/instances/${encodeURIComponent(userId)}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${this.config.managerApiKey}`, "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify(body),
        signal,
      });
    } catch (e) {
      this.metrics.managerCalls.inc({ operation: "chat", outcome: "unreachable" });
      this.logger.warn({ operation: "chat", err: (e as Error)?.message }, "manager call failed");
      throw new HttpError(503, "The instance manager is unreachable", { code: "manager_unreachable" });
    }
    this.metrics.managerCalls.inc({ operation: "chat", outcome: String(res.status) });
    if (!res.ok) {
      const e = (await res.json().catch(() => ({}))) as { error?: string; code?: string; field?: string; rule?: string };
      throw new HttpError(res.status === 401 || res.status === 403 ? 502 : res.status, e.error ?? `Manager answered ${res.status}`, {
        code: e.code,
        field: e.field,
        rule: e.rule,
      });
    }
    return res;
  }

  /** A restart that keeps the instance and its data; null when the Manager has no such instance. */
  async restart(userId: string): Promise<InstanceStatus | null> {
    try {
      return await this.request<InstanceStatus>("restart", "POST", `/api/instances/${encodeURIComponent(userId)}/restart`, {
        timeoutMs: Math.max(this.config.managerTimeoutMs, 90_000),
      });
    } catch (e) {
      if (e instanceof HttpError && e.status === 404) return null;
      throw e;
    }
  }

  /** null when the Manager does not know the instance (404). */
  async get(userId: string): Promise<InstanceStatus | null> {
    try {
      return await this.request<InstanceStatus>("get", "GET", `/api/instances/${encodeURIComponent(userId)}`);
    } catch (e) {
      if (e instanceof HttpError && e.status === 404) return null;
      throw e;
    }
  }

  /** null when the Manager had nothing to delete. */
  async delete(userId: string, preservePvc: boolean): Promise<unknown | null> {
    try {
      return await this.request("delete", "DELETE", `/api/instances/${encodeURIComponent(userId)}`, {
        query: { preservePvc: String(preservePvc) },
        // The local runtime waits for the gateway to exit (SIGTERM, then SIGKILL after its
        // 30 s grace period), so a delete may legitimately take longer than other calls.
        timeoutMs: Math.max(this.config.managerTimeoutMs, 90_000),
      });
    } catch (e) {
      if (e instanceof HttpError && e.status === 404) return null;
      throw e;
    }
  }

  /** Telegram, WhatsApp, pairing and RPC pass-through for one instance. */
  call<T = unknown>(userId: string, c: ManagerCall): Promise<T> {
    const operation = c.path.replace(/^\//, "").replace(/\//g, ".") || "instance";
    // A sleeping assistant is woken by the Manager, which holds the call until it runs (its
    // CLAWBOX_WAKE_TIMEOUT, 60 s by default): the call's own time comes on top of that. A call's
    // own time is never below MANAGER_TIMEOUT_MS: the Manager may also wait out a gateway restart
    // (a channel change, the WhatsApp plugin's first load) before it serves the call.
    const timeoutMs = Math.max(c.timeoutMs ?? 0, this.config.managerTimeoutMs) + WAKE_ALLOWANCE_MS;
    return this.request<T>(operation, c.method, `/api/instances/${encodeURIComponent(userId)}${c.path}`, { ...c, timeoutMs });
  }

  /** ws(s):// URL of the Manager's VNC proxy for this instance, authorized by a VNC ticket. */
  vncUrl(userId: string, ticket: string): string {
    const u = new URL(`${this.config.managerUrl}/api/instances/${encodeURIComponent(userId)}/vnc`);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    u.searchParams.set("token", ticket);
    return u.toString();
  }

  private async request<T>(
    operation: string,
    method: string,
    path: string,
    opts: { query?: Record<string, string | undefined>; body?: unknown; timeoutMs?: number } = {},
  ): Promise<T> {
    const url = new URL(this.config.managerUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const timeoutMs = opts.timeoutMs ?? this.config.managerTimeoutMs;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.config.managerApiKey}`,
          ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const timedOut = (e as Error)?.name === "TimeoutError";
      this.metrics.managerCalls.inc({ operation, outcome: timedOut ? "timeout" : "unreachable" });
      this.logger.warn({ operation, err: (e as Error)?.message }, "manager call failed");
      if (timedOut) throw new HttpError(504, `The instance manager did not answer within ${timeoutMs} ms`, { code: "manager_timeout" });
      throw new HttpError(503, "The instance manager is unreachable", { code: "manager_unreachable" });
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    this.metrics.managerCalls.inc({ operation, outcome: String(res.status) });
    if (res.ok) return body as T;

    const e = (body ?? {}) as { error?: unknown; code?: unknown; field?: unknown; rule?: unknown; details?: unknown };
    const message = typeof e.error === "string" ? e.error : `Manager answered ${res.status}`;
    const extra = {
      code: typeof e.code === "string" ? e.code : undefined,
      field: typeof e.field === "string" ? e.field : undefined,
      rule: typeof e.rule === "string" ? e.rule : undefined,
      details: e.details && typeof e.details === "object" ? (e.details as Record<string, unknown>) : undefined,
    };
    if (PASSED_THROUGH.has(res.status)) throw new HttpError(res.status, message, extra);
    // 401/403 mean our own key is wrong: the user can do nothing about it, so it is a 502.
    this.logger.error({ operation, status: res.status }, "manager refused or failed the call");
    if (res.status === 401 || res.status === 403) {
      throw new HttpError(502, "The instance manager refused the App API's credentials", { code: "manager_auth" });
    }
    throw new HttpError(502, message, { code: extra.code ?? "manager_error", details: extra.details });
  }
}
