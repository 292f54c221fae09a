import { GatewayError } from "./errors.ts";
import { RpcConnection, type RequestOptions, type RpcConnectionOptions, type RpcFrameEvent } from "./rpc-connection.ts";

/**
 * Client for an OpenClaw gateway, WS protocol v4, over loopback with the shared token.
 *
 * Why our own and not the official `@openclaw/gateway-client` (2026.9.1):
 * - It refuses plaintext `ws://` to hosts outside its private-address list (even with its
 *   override env), and expects host-owned device-identity deps (`hostDeps`); we only ever
 *   speak to 127.0.0.1 with the token (loopback + token = full operator scopes, no device).
 * - It pulls its own dependency tree and lags the server (its schema lacks params the
 *   2026.9.6 server accepts, e.g. `web.login.start.channel`); pinning it with the gateway
 *   doubles the upgrade work.
 * - The agent must stay under 60 MB RSS; this client is ~200 lines on top of `ws`.
 * What we keep from it: one persistent multiplexed socket, per-request timeouts, reconnect
 * with backoff honouring the gateway's `retryAfterMs` (UNAVAILABLE startup-sidecars), and
 * the gateway's error code/message/details passed through as a typed error (GatewayError).
 */
export const GATEWAY_PROTOCOL_VERSION = 4;
export const OPERATOR_SCOPES = [
  "operator.read",
  "operator.write",
  "operator.admin",
  "operator.approvals",
  "operator.pairing",
] as const;

export interface GatewayClientOptions {
  /** e.g. ws://127.0.0.1:18789 */
  url: string;
  token: string;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  scopes?: readonly string[];
  clientVersion?: string;
  onEvent?: (event: RpcFrameEvent) => void;
  onStateChange?: (state: "open" | "closed") => void;
}

/** The parts of hello-ok we use. */
export interface GatewayHello {
  type: "hello-ok";
  protocol: number;
  server?: { version?: string; connId?: string };
  auth?: { role?: string; scopes?: string[] };
  policy?: { tickIntervalMs?: number; maxPayload?: number };
}

export class GatewayClient {
  private readonly conn: RpcConnection;

  constructor(options: GatewayClientOptions) {
    const connOptions: RpcConnectionOptions = {
      url: options.url,
      name: "gateway",
      // A relay must look local to the gateway: Host 127.0.0.1 and no X-Forwarded-* headers
      // (with X-Forwarded-For and no trustedProxies the upgrade is refused with 403).
      headers: { Host: hostOf(options.url) },
      requestTimeoutMs: options.requestTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      backoffInitialMs: options.backoffInitialMs,
      backoffMaxMs: options.backoffMaxMs,
      onEvent: options.onEvent,
      onStateChange: options.onStateChange,
      handshake: async (ctx) => {
        const budget = options.connectTimeoutMs ?? 10_000;
        await ctx.waitForEvent("connect.challenge", budget);
        const hello = (await ctx.request(
          "connect",
          {
            minProtocol: GATEWAY_PROTOCOL_VERSION,
            maxProtocol: GATEWAY_PROTOCOL_VERSION,
            client: {
              id: "gateway-client",
              version: options.clientVersion ?? "0.1.0",
              platform: "linux",
              deviceFamily: "server",
              mode: "backend",
            },
            role: "operator",
            scopes: options.scopes ?? OPERATOR_SCOPES,
            caps: [],
            auth: { token: options.token },
          },
          budget,
        )) as GatewayHello;
        if (hello?.type !== "hello-ok") {
          throw new GatewayError("gateway", { code: "PROTOCOL", message: "gateway did not answer connect with hello-ok" });
        }
        return hello;
      },
    };
    this.conn = new RpcConnection(connOptions);
  }

  request<T = unknown>(method: string, params?: unknown, opts?: RequestOptions): Promise<T> {
    return this.conn.request<T>(method, params, opts);
  }

  connect(timeoutMs?: number): Promise<void> {
    return this.conn.connect(timeoutMs);
  }

  get hello(): GatewayHello | undefined {
    return this.conn.handshakeResult as GatewayHello | undefined;
  }

  get isOpen(): boolean {
    return this.conn.isOpen;
  }

  /** Sockets opened so far (1 for a healthy long-lived client). */
  get connectCount(): number {
    return this.conn.connectCount;
  }

  close(): void {
    this.conn.close();
  }
}

function hostOf(url: string): string {
  const u = new URL(url);
  return u.host;
}
