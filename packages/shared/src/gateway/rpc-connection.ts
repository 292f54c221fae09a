import WebSocket from "ws";
import { GatewayError, isGatewayErrorShape } from "./errors.ts";

/**
 * One persistent, multiplexed JSON-frame WebSocket: `{type:"req",id,method,params}` out,
 * `{type:"res",id,ok,payload|error}` and `{type:"event",event,payload}` in. The same framing
 * is spoken by the OpenClaw gateway (after its `connect` handshake, see client.ts) and by our
 * pod agent's `/rpc` socket (Bearer auth at upgrade, no handshake), so both use this core.
 *
 * - Lazy: the first request opens the socket; later requests reuse it (never a new
 *   connection per call). Concurrent requests share one connect attempt.
 * - Every request has its own timeout -> GatewayError kind "timeout" (504).
 * - A socket that cannot be opened -> kind "unavailable" (503) right away, not after the
 *   request timeout: callers want a quick, clear answer for a gateway that is down.
 * - After an unexpected close it reconnects in the background with exponential backoff,
 *   so the next request usually finds a live socket.
 * - A ws ping every `pingIntervalMs` detects half-open sockets (no pong -> terminate).
 */
export interface RpcFrameEvent {
  type: "event";
  event: string;
  payload?: unknown;
  seq?: number;
}

export interface HandshakeContext {
  /** Waits for the next event of that name received on this socket. */
  waitForEvent(event: string, timeoutMs: number): Promise<RpcFrameEvent>;
  /** Sends a request on the not-yet-ready socket (handshake traffic only). */
  request(method: string, params: unknown, timeoutMs: number): Promise<unknown>;
}

export interface RpcConnectionOptions {
  url: string;
  /** Extra upgrade headers (Authorization for the agent; Host for loopback relays). */
  headers?: Record<string, string>;
  /** Runs after the socket opens; its result is kept as `handshakeResult` (gateway: hello-ok). */
  handshake?: (ctx: HandshakeContext) => Promise<unknown>;
  /** Default per-request timeout (ms). */
  requestTimeoutMs?: number;
  /** Budget for opening the socket plus the handshake (ms). */
  connectTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Background reconnect attempts after an unexpected close before going lazy again. */
  maxBackgroundReconnects?: number;
  pingIntervalMs?: number;
  /** A short name for messages, e.g. "gateway" or "agent of alice". */
  name?: string;
  onEvent?: (event: RpcFrameEvent) => void;
  onStateChange?: (state: "open" | "closed") => void;
  /** Max size of one incoming frame. */
  maxPayload?: number;
}

export interface RequestOptions {
  timeoutMs?: number;
  /** Extra fields merged into the request frame (e.g. `timeoutMs` for the agent to forward). */
  frame?: Record<string, unknown>;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  method: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RpcConnection {
  readonly options: RpcConnectionOptions;
  private ws: WebSocket | undefined;
  private ready: WebSocket | undefined;
  private connecting: Promise<WebSocket> | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly eventWaiters = new Map<string, Array<(f: RpcFrameEvent) => void>>();
  private nextId = 0;
  private backoffMs: number;
  private nextAttemptAt = 0;
  private lastError: GatewayError | undefined;
  private backgroundAttempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private closedByUser = false;
  /** Result of the handshake of the current socket (the gateway's hello-ok payload). */
  handshakeResult: unknown;
  /** How many sockets this connection has opened (tests and benchmarks check reuse). */
  connectCount = 0;

  constructor(options: RpcConnectionOptions) {
    this.options = options;
    this.backoffMs = options.backoffInitialMs ?? 200;
  }

  get isOpen(): boolean {
    return this.ready !== undefined && this.ready.readyState === WebSocket.OPEN;
  }

  private get name(): string {
    return this.options.name ?? "gateway";
  }

  async request<T = unknown>(method: string, params?: unknown, opts: RequestOptions = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? this.options.requestTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    const ws = await this.whenReady(deadline);
    return (await this.send(ws, method, params, deadline - Date.now(), opts.frame)) as T;
  }

  /** Opens the socket now (optional; requests open it lazily). */
  async connect(timeoutMs = this.options.connectTimeoutMs ?? 10_000): Promise<void> {
    await this.whenReady(Date.now() + timeoutMs);
  }

  close(): void {
    this.closedByUser = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    this.failPending(GatewayError.unavailable(`${this.name} connection closed`));
    this.ws?.terminate();
    this.ws = undefined;
    this.ready = undefined;
  }

  private async whenReady(deadline: number): Promise<WebSocket> {
    if (this.closedByUser) throw GatewayError.unavailable(`${this.name} connection closed`);
    if (this.isOpen) return this.ready!;
    // Within the backoff window after a failed attempt: wait only if it is short, otherwise
    // answer at once with the last error so callers never hang on a dead gateway.
    const wait = this.nextAttemptAt - Date.now();
    if (wait > 0 && !this.connecting) {
      if (wait > 1000 || Date.now() + wait >= deadline) {
        throw this.lastError ?? GatewayError.unavailable(`${this.name} unreachable`, { retryAfterMs: wait }, wait);
      }
      await sleep(wait);
    }
    this.connecting ??= this.openSocket(deadline).finally(() => {
      this.connecting = undefined;
    });
    const ws = await this.connecting;
    return ws;
  }

  private openSocket(deadline: number): Promise<WebSocket> {
    const budget = Math.max(1, Math.min(this.options.connectTimeoutMs ?? 10_000, deadline - Date.now()));
    return new Promise<WebSocket>((resolve, reject) => {
      let settled = false;
      const ws = new WebSocket(this.options.url, {
        headers: this.options.headers,
        perMessageDeflate: false,
        maxPayload: this.options.maxPayload ?? 64 * 1024 * 1024,
        handshakeTimeout: budget,
      });
      this.ws = ws;
      this.connectCount++;
      const fail = (err: GatewayError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.noteFailure(err);
        ws.terminate();
        reject(err);
      };
      const timer = setTimeout(
        () => fail(GatewayError.timeout(`${this.name} did not complete the connection within ${budget} ms`)),
        budget,
      );
      ws.on("message", (data) => this.onMessage(ws, data));
      ws.on("unexpected-response", (_req, res) => {
        fail(GatewayError.unavailable(`${this.name} refused the connection: HTTP ${res.statusCode}`, { status: res.statusCode }));
      });
      ws.on("error", (e: NodeJS.ErrnoException) => {
        fail(GatewayError.unavailable(`${this.name} unreachable: ${e.code ?? e.message}`, { cause: e.code ?? e.message }));
      });
      ws.on("close", (code, reason) => {
        this.onClose(ws, code, reason.toString());
        fail(GatewayError.unavailable(`${this.name} closed the connection (${code}${reason.length ? ` ${reason}` : ""})`, { closeCode: code }));
      });
      ws.on("open", async () => {
        try {
          if (this.options.handshake) {
            const ctx: HandshakeContext = {
              waitForEvent: (event, ms) => this.waitForEvent(event, ms),
              request: (method, params, ms) => this.send(ws, method, params, ms),
            };
            this.handshakeResult = await this.options.handshake(ctx);
          }
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.ready = ws;
          this.backoffMs = this.options.backoffInitialMs ?? 200;
          this.nextAttemptAt = 0;
          this.lastError = undefined;
          this.backgroundAttempts = 0;
          this.startPing(ws);
          this.options.onStateChange?.("open");
          resolve(ws);
        } catch (e) {
          fail(e instanceof GatewayError ? e : GatewayError.unavailable(`${this.name} handshake failed: ${(e as Error).message}`));
        }
      });
    });
  }

  private noteFailure(err: GatewayError) {
    this.lastError = err;
    // The gateway says when to come back while its startup sidecars load; otherwise back off.
    const delay = err.retryAfterMs ?? this.backoffMs;
    this.nextAttemptAt = Date.now() + delay;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.backoffMaxMs ?? 5000);
  }

  private startPing(ws: WebSocket) {
    clearInterval(this.pingTimer);
    let alive = true;
    ws.on("pong", () => {
      alive = true;
    });
    this.pingTimer = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, this.options.pingIntervalMs ?? 30_000);
    this.pingTimer.unref();
  }

  private onClose(ws: WebSocket, code: number, reason: string) {
    if (this.ws === ws) this.ws = undefined;
    const wasReady = this.ready === ws;
    if (wasReady) {
      this.ready = undefined;
      clearInterval(this.pingTimer);
      this.options.onStateChange?.("closed");
    }
    this.failPending(
      GatewayError.unavailable(`${this.name} connection closed (${code}${reason ? ` ${reason}` : ""})`, { closeCode: code }),
    );
    if (wasReady && !this.closedByUser) this.scheduleBackgroundReconnect();
  }

  private scheduleBackgroundReconnect() {
    if (this.closedByUser || this.backgroundAttempts >= (this.options.maxBackgroundReconnects ?? 20)) return;
    clearTimeout(this.reconnectTimer);
    const delay = Math.max(this.backoffMs, this.nextAttemptAt - Date.now());
    this.reconnectTimer = setTimeout(() => {
      if (this.closedByUser || this.isOpen || this.connecting) return;
      this.backgroundAttempts++;
      this.backoffMs = Math.min(this.backoffMs * 2, this.options.backoffMaxMs ?? 5000);
      this.connecting = this.openSocket(Date.now() + (this.options.connectTimeoutMs ?? 10_000)).finally(() => {
        this.connecting = undefined;
      });
      this.connecting.catch(() => this.scheduleBackgroundReconnect());
    }, delay);
    this.reconnectTimer.unref();
  }

  private send(ws: WebSocket, method: string, params: unknown, timeoutMs: number, extra?: Record<string, unknown>) {
    return new Promise<unknown>((resolve, reject) => {
      if (ws.readyState !== WebSocket.OPEN) {
        return reject(GatewayError.unavailable(`${this.name} connection is not open`));
      }
      const id = `r${++this.nextId}`;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(GatewayError.timeout(`${this.name} did not answer ${method} within ${timeoutMs} ms`, { method, timeoutMs }));
      }, Math.max(1, timeoutMs));
      this.pending.set(id, { resolve, reject, timer, method });
      const frame: Record<string, unknown> = { type: "req", id, method, ...extra };
      if (params !== undefined) frame.params = params;
      ws.send(JSON.stringify(frame), (err) => {
        if (!err) return;
        const p = this.pending.get(id);
        if (!p) return;
        this.pending.delete(id);
        clearTimeout(p.timer);
        reject(GatewayError.unavailable(`${this.name} send failed: ${err.message}`));
      });
    });
  }

  private waitForEvent(event: string, timeoutMs: number): Promise<RpcFrameEvent> {
    return new Promise((resolve, reject) => {
      const list = this.eventWaiters.get(event) ?? [];
      const waiter = (f: RpcFrameEvent) => {
        clearTimeout(timer);
        resolve(f);
      };
      const timer = setTimeout(() => {
        const l = this.eventWaiters.get(event);
        if (l) this.eventWaiters.set(event, l.filter((w) => w !== waiter));
        reject(GatewayError.timeout(`${this.name} sent no ${event} within ${timeoutMs} ms`));
      }, timeoutMs);
      list.push(waiter);
      this.eventWaiters.set(event, list);
    });
  }

  private onMessage(ws: WebSocket, data: WebSocket.RawData) {
    let frame: { type?: string; id?: string; ok?: boolean; payload?: unknown; error?: unknown; event?: string };
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return; // not ours to interpret; the protocol only has JSON text frames
    }
    if (frame.type === "res" && typeof frame.id === "string") {
      const p = this.pending.get(frame.id);
      if (!p) return; // timed out already
      this.pending.delete(frame.id);
      clearTimeout(p.timer);
      if (frame.ok) p.resolve(frame.payload);
      else {
        const shape = isGatewayErrorShape(frame.error)
          ? frame.error
          : { code: "UNKNOWN", message: `${this.name} answered ${p.method} with an error of unknown shape` };
        p.reject(GatewayError.fromShape(shape));
      }
      return;
    }
    if (frame.type === "event" && typeof frame.event === "string") {
      const ev = frame as RpcFrameEvent;
      const waiters = this.eventWaiters.get(ev.event);
      if (waiters?.length) {
        this.eventWaiters.delete(ev.event);
        for (const w of waiters) w(ev);
        return;
      }
      if (ev.event === "shutdown" && this.ready === ws) ws.close(1000);
      this.options.onEvent?.(ev);
    }
  }

  private failPending(err: GatewayError) {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(err);
      this.pending.delete(id);
    }
  }
}
