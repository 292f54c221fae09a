/**
 * Protocol edge cases of the gateway client against a tiny in-test WebSocket server that
 * speaks the v4 framing (the main tests use real gateways: deploy/manager/src/gateway/*.int.test.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import type { IncomingMessage } from "node:http";
import { GatewayClient } from "./client.ts";
import { GatewayError } from "./errors.ts";

interface FakeOptions {
  token?: string;
  /** Answer connect with UNAVAILABLE startup-sidecars this many times first. */
  starting?: number;
  onRequest?: (ws: WebSocket, frame: { id: string; method: string; params?: any }) => void;
}

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    await new Promise((r) => s.close(r));
  }
});

async function fakeGateway(opts: FakeOptions = {}) {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  servers.push(wss);
  await new Promise((r) => wss.once("listening", r));
  const seen = { connections: 0, upgrades: [] as IncomingMessage[] };
  let starting = opts.starting ?? 0;
  wss.on("connection", (ws, req) => {
    seen.connections++;
    seen.upgrades.push(req);
    ws.send(JSON.stringify({ type: "event", event: "connect.challenge", payload: { nonce: "n", ts: Date.now() } }));
    ws.on("message", (data) => {
      const f = JSON.parse(data.toString());
      if (f.method === "connect") {
        if (starting > 0) {
          starting--;
          ws.send(JSON.stringify({ type: "res", id: f.id, ok: false, error: { code: "UNAVAILABLE", message: "gateway starting", details: { reason: "startup-sidecars" }, retryAfterMs: 50 } }));
          return ws.close(1013);
        }
        if (f.params.auth.token !== (opts.token ?? "tok")) {
          ws.send(JSON.stringify({ type: "res", id: f.id, ok: false, error: { code: "INVALID_REQUEST", message: "unauthorized", details: { code: "AUTH_TOKEN_MISMATCH" } } }));
          return ws.close(1008);
        }
        return ws.send(JSON.stringify({ type: "res", id: f.id, ok: true, payload: { type: "hello-ok", protocol: 4, auth: { scopes: f.params.scopes }, client: f.params.client } }));
      }
      if (opts.onRequest) return opts.onRequest(ws, f);
      ws.send(JSON.stringify({ type: "res", id: f.id, ok: true, payload: { method: f.method, params: f.params ?? null } }));
    });
  });
  const port = (wss.address() as { port: number }).port;
  return { url: `ws://127.0.0.1:${port}`, seen, wss };
}

describe("GatewayClient", () => {
  it("does the v4 handshake once and multiplexes concurrent requests on one socket", async () => {
    const gw = await fakeGateway({
      onRequest: (ws, f) => {
        // Answer out of order: the slow one last.
        setTimeout(() => ws.send(JSON.stringify({ type: "res", id: f.id, ok: true, payload: f.params })), f.params.delay);
      },
    });
    const c = new GatewayClient({ url: gw.url, token: "tok" });
    const results = await Promise.all([30, 5, 15].map((delay) => c.request<{ delay: number }>("echo", { delay })));
    expect(results.map((r) => r.delay)).toEqual([30, 5, 15]);
    await c.request("echo", { delay: 0 });
    expect(gw.seen.connections).toBe(1);
    expect(c.connectCount).toBe(1);
    expect(c.hello?.auth?.scopes).toEqual(["operator.read", "operator.write", "operator.admin", "operator.approvals", "operator.pairing"]);
    // Looks local to the gateway: Host is the loopback address, no X-Forwarded-* headers.
    const req = gw.seen.upgrades[0]!;
    expect(req.headers.host).toBe(new URL(gw.url).host);
    expect(Object.keys(req.headers).filter((h) => h.startsWith("x-forwarded"))).toEqual([]);
    c.close();
  });

  it("times out one request without breaking the connection", async () => {
    const gw = await fakeGateway({
      onRequest: (ws, f) => {
        if (f.method === "slow") return; // never answers
        ws.send(JSON.stringify({ type: "res", id: f.id, ok: true, payload: "fast" }));
      },
    });
    const c = new GatewayClient({ url: gw.url, token: "tok" });
    const err = await c.request("slow", {}, { timeoutMs: 100 }).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.kind).toBe("timeout");
    expect(err.status).toBe(504);
    expect(await c.request("fast")).toBe("fast");
    expect(gw.seen.connections).toBe(1);
    c.close();
  });

  it("passes the gateway's error code, message and details through", async () => {
    const gw = await fakeGateway({
      onRequest: (ws, f) =>
        ws.send(JSON.stringify({ type: "res", id: f.id, ok: false, error: { code: "INVALID_REQUEST", message: `unknown method: ${f.method}`, details: { method: f.method } } })),
    });
    const c = new GatewayClient({ url: gw.url, token: "tok" });
    const err: GatewayError = await c.request("nope").catch((e) => e);
    expect(err.kind).toBe("gateway");
    expect(err.status).toBe(502);
    expect(err.toShape()).toEqual({ code: "INVALID_REQUEST", message: "unknown method: nope", details: { method: "nope" } });
    c.close();
  });

  it("reports a wrong token as the gateway's auth error", async () => {
    const gw = await fakeGateway({ token: "right" });
    const c = new GatewayClient({ url: gw.url, token: "wrong" });
    const err: GatewayError = await c.request("status").catch((e) => e);
    expect(err.code).toBe("INVALID_REQUEST");
    expect(err.details).toEqual({ code: "AUTH_TOKEN_MISMATCH" });
    c.close();
  });

  it("answers 503 at once when nothing listens", async () => {
    const gw = await fakeGateway();
    const url = gw.url;
    for (const c of gw.wss.clients) c.terminate();
    await new Promise((r) => gw.wss.close(r));
    servers.length = 0;
    const c = new GatewayClient({ url, token: "tok" });
    const t0 = performance.now();
    const err: GatewayError = await c.request("status", {}, { timeoutMs: 30_000 }).catch((e) => e);
    expect(err.kind).toBe("unavailable");
    expect(err.status).toBe(503);
    expect(performance.now() - t0).toBeLessThan(2000);
    c.close();
  });

  it("honours retryAfterMs while the gateway's startup sidecars load, then connects", async () => {
    const gw = await fakeGateway({ starting: 1 });
    const c = new GatewayClient({ url: gw.url, token: "tok" });
    const first: GatewayError = await c.request("status").catch((e) => e);
    expect(first.code).toBe("UNAVAILABLE");
    expect(first.status).toBe(503);
    expect(first.retryAfterMs).toBe(50);
    // The next call waits out the short retryAfterMs and gets through.
    expect(await c.request("status")).toEqual({ method: "status", params: null });
    c.close();
  });

  it("reconnects after the gateway drops the socket; in-flight calls fail as unavailable", async () => {
    const gw = await fakeGateway({
      onRequest: (ws, f) => {
        if (f.method === "drop") return ws.terminate();
        ws.send(JSON.stringify({ type: "res", id: f.id, ok: true, payload: "ok" }));
      },
    });
    const c = new GatewayClient({ url: gw.url, token: "tok", backoffInitialMs: 20 });
    expect(await c.request("ping")).toBe("ok");
    const err: GatewayError = await c.request("drop").catch((e) => e);
    expect(err.kind).toBe("unavailable");
    await new Promise((r) => setTimeout(r, 100));
    expect(await c.request("ping")).toBe("ok");
    expect(gw.seen.connections).toBe(2);
    c.close();
  });
});
