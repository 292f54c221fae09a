import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createAgentServer } from "./server.ts";

/** The agent's own behaviour with no gateway behind it (real gateways: the gateway routes' integration test). */
let base: string;
let close: () => void;

beforeAll(async () => {
  const { server } = createAgentServer({
    port: 0,
    host: "127.0.0.1",
    agentToken: "agent-secret",
    gatewayUrl: "ws://127.0.0.1:1",
    gatewayToken: "gw",
    stateDir: "/tmp",
    rpcTimeoutMs: 2000,
    noProxy: [],
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close());

describe("pod agent", () => {
  it("answers /healthz without auth and relays probes (503 when the gateway is down)", async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
    const probe = await fetch(`${base}/gateway/startupz`);
    expect(probe.status).toBe(503);
    expect(await probe.json()).toMatchObject({ ok: false, status: "unreachable" });
  });

  it("refuses calls without the right token", async () => {
    for (const auth of [undefined, "Bearer wrong", "agent-secret"]) {
      const r = await fetch(`${base}/rpc`, { method: "POST", headers: auth ? { authorization: auth } : {}, body: "{}" });
      expect(r.status).toBe(401);
      expect(await r.json()).toEqual({ error: "Missing or invalid Authorization header" });
    }
    const ws = new WebSocket(`${base.replace("http", "ws")}/rpc`, { headers: { authorization: "Bearer wrong" } });
    const [, res] = await once(ws, "unexpected-response");
    expect(res.statusCode).toBe(401);
  });

  it("reports an unreachable gateway as UNAVAILABLE over HTTP and over the socket", async () => {
    const r = await fetch(`${base}/rpc`, { method: "POST", headers: { authorization: "Bearer agent-secret" }, body: JSON.stringify({ method: "status" }) });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ ok: false, error: { code: "UNAVAILABLE" } });
    const ws = new WebSocket(`${base.replace("http", "ws")}/rpc`, { headers: { authorization: "Bearer agent-secret" } });
    await once(ws, "open");
    ws.send(JSON.stringify({ type: "req", id: "1", method: "status" }));
    const [msg] = await once(ws, "message");
    expect(JSON.parse(msg.toString())).toMatchObject({ type: "res", id: "1", ok: false, error: { code: "UNAVAILABLE" } });
    ws.send(JSON.stringify({ type: "req", id: "2" }));
    const [bad] = await once(ws, "message");
    expect(JSON.parse(bad.toString())).toMatchObject({ id: "2", ok: false, error: { code: "INVALID_REQUEST" } });
    ws.close();
    const act = await fetch(`${base}/activity`, { headers: { authorization: "Bearer agent-secret" } });
    expect(Date.parse((await act.json()).lastActivityAt)).toBeGreaterThan(Date.now() - 60_000);
  });
});
