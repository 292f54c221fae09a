/**
 * Gateway routes against real OpenClaw gateways started by the local runtime (through
 * deploy/scripts/gke-entrypoint.sh, with their agents, Xvfb, x11vnc and websockify).
 * Two instances are shared by the whole file: they take 15-60 s to start on this machine.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { FastifyInstance } from "fastify";
import { createLogger, deriveInstanceToken, GatewayClient, GatewayError, signVncTicket, type InstanceStatus } from "@clawbox/shared";
import { cmdline } from "@clawbox/shared/proc";
import { LocalRuntime } from "../runtime/local/index.ts";
import { type LocalManager, startLocalManager } from "../../test/local-manager.ts";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
// A fixed data dir keeps the one-time WhatsApp seed between runs; instances are purged at the end.
const DATA_DIR = join(REPO, ".data", "test-gateway-routes");
const API_KEY = "test-manager-key-gateway-routes";
const A = "gw-alpha";
const B = "gw-bravo";
const BOT_TOKEN = "123456789:AAFakeTokenForClawBoxTestsOnly_abcdefghij";

let app: FastifyInstance;
let runtime: LocalRuntime;
let base: string;
const auth = { authorization: `Bearer ${API_KEY}` };

async function api(method: string, path: string, body?: unknown) {
  const headers = body === undefined ? auth : { ...auth, "content-type": "application/json" };
  const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = res.headers.get("content-type") ?? "";
  const data = type.includes("json") ? await res.json() : Buffer.from(await res.arrayBuffer());
  return { status: res.status, body: data as any, type };
}

async function waitFor(userId: string, ok: (s: InstanceStatus) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await runtime.get(userId);
    if (s && ok(s)) return s;
    if (Date.now() > deadline) throw new Error(`${userId} never reached the expected state: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function waitPhase(userId: string, phases: string[], timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await runtime.get(userId);
    if (s && phases.includes(s.phase)) return s;
    if (Date.now() > deadline) throw new Error(`${userId} never reached ${phases.join("/")}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function firstWsMessage(url: string): Promise<{ data?: Buffer; status?: number; protocol?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ["binary"]);
    const timer = setTimeout(() => reject(new Error("no VNC data within 30 s")), 30_000);
    ws.on("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      resolve({ status: res.statusCode });
    });
    ws.on("message", (d) => {
      clearTimeout(timer);
      resolve({ data: Buffer.from(d as Buffer), protocol: ws.protocol });
      ws.terminate();
    });
    ws.on("error", () => undefined);
  });
}

let manager: LocalManager;

beforeAll(async () => {
  // Two instances at once, with their live browser view.
  manager = await startLocalManager({ apiKey: API_KEY, users: [A, B], dataDir: DATA_DIR, blocks: 2, env: { CLAWBOX_DESKTOP: "auto", CLAWBOX_WAKE_TIMEOUT: "240s" }, listen: true });
  ({ app, runtime, url: base } = manager);
  for (const u of [A, B]) expect((await api("POST", "/api/instances", { userId: u })).status).toBe(201);
  // Starts go through the runtime's start queue one at a time on 2 cores: B cold-starts after A.
  await Promise.all([waitPhase(A, ["running"], 560_000), waitPhase(B, ["running"], 560_000)]);
});

afterAll(async () => {
  await manager?.close();
});

describe("rpc through the Manager", () => {
  it("status, health and channels.status reach the gateway over one reused agent socket", async () => {
    const status = await api("POST", `/api/instances/${A}/rpc`, { method: "status" });
    expect(status.status).toBe(200);
    expect(status.body).toHaveProperty("runtimeVersion");
    const health = await api("POST", `/api/instances/${A}/rpc`, { method: "health", params: {} });
    expect(health.status).toBe(200);
    expect(health.body.ok).toBe(true);
    const channels = await api("POST", `/api/instances/${A}/rpc`, { method: "channels.status", params: {} });
    expect(channels.status).toBe(200);
    // The WhatsApp plugin is installed but not loaded: it loads when the user asks for a QR code.
    expect(channels.body.channels).not.toHaveProperty("whatsapp");
    for (let i = 0; i < 5; i++) expect((await api("POST", `/api/instances/${A}/rpc`, { method: "health" })).status).toBe(200);
    expect(app.agentPool.connectCount(A)).toBe(1);
  });

  it("maps the guide's channel.status {channelId} to channels.status {channel}", async () => {
    // Unmapped, the gateway would answer every channel (200); mapped, it names the one asked for,
    // which is not loaded yet.
    const r = await api("POST", `/api/instances/${A}/rpc`, { method: "channel.status", params: { channelId: "whatsapp" } });
    expect(r.status).toBe(502);
    expect(r.body).toMatchObject({ code: "INVALID_REQUEST", error: expect.stringMatching(/unknown channel: whatsapp/) });
  });

  it("passes a gateway error through with its code", async () => {
    const r = await api("POST", `/api/instances/${A}/rpc`, { method: "no.such.method" });
    expect(r.status).toBe(502);
    expect(r.body.code).toBe("INVALID_REQUEST");
    expect(r.body.error).toMatch(/unknown method/);
  });

  it("refuses bad input with field and rule", async () => {
    const r = await api("POST", `/api/instances/${A}/rpc`, { params: {} });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ field: "method", rule: "required" });
    const unknown = await api("POST", `/api/instances/nobody-here/rpc`, { method: "status" });
    expect(unknown.status).toBe(404);
  });
});

describe("telegram", () => {
  it("validates the token shape before sending it", async () => {
    const r = await api("POST", `/api/instances/${A}/telegram/setup`, { botToken: "not-a-token" });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ field: "botToken", rule: "pattern" });
    expect(JSON.stringify(r.body)).not.toContain("not-a-token");
  });

  it("status before any setup says not configured (not an error)", async () => {
    const r = await api("GET", `/api/instances/${B}/telegram/status`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ channel: "telegram", configured: false });
  });

  it("setup shows configured in status (token never echoed) and logout clears it", async () => {
    const setup = await api("POST", `/api/instances/${A}/telegram/setup`, { botToken: BOT_TOKEN });
    expect(setup.status).toBe(200);
    expect(JSON.stringify(setup.body)).not.toContain(BOT_TOKEN);
    let status: any;
    for (let i = 0; i < 20; i++) {
      status = await api("GET", `/api/instances/${A}/telegram/status`);
      if (status.body.configured) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ channel: "telegram", configured: true });
    expect(JSON.stringify(status.body)).not.toContain(BOT_TOKEN);
    const probed = await api("GET", `/api/instances/${A}/telegram/status?probe=true`);
    expect(probed.status).toBe(200);
    expect(JSON.stringify(probed.body)).not.toContain(BOT_TOKEN);

    const logout = await api("POST", `/api/instances/${A}/telegram/logout`);
    expect(logout.status).toBe(200);
    expect(logout.body).toMatchObject({ ok: true, channel: "telegram", cleared: true });
    // The channel is reloaded by the gateway's config watcher; on a busy machine that takes a while.
    let after: any;
    for (let i = 0; i < 60; i++) {
      after = await api("GET", `/api/instances/${A}/telegram/status`);
      if (after.status === 200 && after.body.configured === false) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(after.body).toMatchObject({ channel: "telegram", configured: false });
  }, 300_000);
});

describe("pairing and whatsapp", () => {
  it("pairing/list returns the empty list in the documented shape", async () => {
    const r = await api("GET", `/api/instances/${A}/pairing/list?channel=telegram`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ channel: "telegram", requests: [] });
    // channel is optional (issue 12, H10): without it, every channel's requests.
    const all = await api("GET", `/api/instances/${A}/pairing/list`);
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ channel: null, requests: [] });
    const bad = await api("GET", `/api/instances/${A}/pairing/list?channel=Not%20A%20Channel`);
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe("channel");
    const approve = await api("POST", `/api/instances/${A}/pairing/approve`, { channel: "telegram", code: "ABC3KLM9", notify: true });
    expect(approve.status).toBe(404);
  });

  it("whatsapp/qr loads the plugin, then answers with a clear error when WhatsApp cannot be reached", async () => {
    const before = await api("GET", `/api/instances/${A}/whatsapp/status`);
    expect(before.body).toMatchObject({ channel: "whatsapp", available: false, configured: false });
    const r = await api("POST", `/api/instances/${A}/whatsapp/qr`, { force: true, timeoutMs: 5000 });
    expect(r.status).toBe(502);
    expect(r.body.code).toBe("WHATSAPP_LOGIN_FAILED");
    expect(r.body.error).toMatch(/WhatsApp/);
    // The instance asked its proxy (the egress stand-in) for WhatsApp Web: nothing left this machine.
    expect(manager.egress.attempts).toContainEqual({ method: "CONNECT", target: "web.whatsapp.com:443", host: "web.whatsapp.com" });
    // A clear 502 with the gateway's reason, not a 504: the login did not hang until the Manager gave up.
    const wait = await api("POST", `/api/instances/${A}/whatsapp/wait`, { timeoutMs: 1000 });
    expect(wait.status).toBe(200);
    expect(wait.body.connected).toBe(false);
    const status = await api("GET", `/api/instances/${A}/whatsapp/status`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ channel: "whatsapp", available: true, connected: false });
    // Turned on for good: the instance's own config now loads it on every start.
    const cfg = await api("POST", `/api/instances/${A}/rpc`, { method: "config.get" });
    expect(cfg.body.config.plugins.entries.whatsapp.enabled).toBe(true);
    // openclaw 2026.9.6 crashes on a dangling QR timer after a fast login failure; the agent's
    // preflight keeps such logins away from it, so the gateway is still up past that timer.
    await new Promise((r) => setTimeout(r, 7000));
    expect((await runtime.get(A))!.phase).toBe("running");
    expect((await api("POST", `/api/instances/${A}/rpc`, { method: "health" })).status).toBe(200);
  });
});

describe("browser view", () => {
  it("VNC proxy delivers the RFB banner with the API key and with a ticket; another user's ticket is refused", async () => {
    const ws = base.replace("http", "ws");
    const withKey = await firstWsMessage(`${ws}/api/instances/${A}/vnc?token=${API_KEY}`);
    expect(withKey.data?.toString()).toBe("RFB 003.008\n");
    const bind = { instanceId: "11111111-1111-4111-8111-111111111111", subject: "22222222-2222-4222-8222-222222222222" };
    const ticket = signVncTicket(API_KEY, { userId: A, ...bind }, 60);
    const withTicket = await firstWsMessage(`${ws}/api/instances/${A}/vnc?token=${encodeURIComponent(ticket)}`);
    expect(withTicket.data?.toString()).toBe("RFB 003.008\n");
    // Single use: the same ticket does not open a second session.
    const replayed = await firstWsMessage(`${ws}/api/instances/${A}/vnc?token=${encodeURIComponent(ticket)}`);
    expect(replayed.status).toBe(401);
    const otherTicket = signVncTicket(API_KEY, { userId: B, ...bind }, 60);
    const refused = await firstWsMessage(`${ws}/api/instances/${A}/vnc?token=${encodeURIComponent(otherTicket)}`);
    expect(refused.status).toBe(401);
    const none = await firstWsMessage(`${ws}/api/instances/${A}/vnc`);
    expect(none.status).toBe(401);
  });

  it("a screenshot comes back as PNG bytes (route and rpc browser.screenshot)", async () => {
    const r = await api("GET", `/api/instances/${A}/screenshot`);
    expect(r.status, r.type.includes("json") ? JSON.stringify(r.body) : "").toBe(200);
    expect(r.type).toBe("image/png");
    expect((r.body as Buffer).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const rpc = await api("POST", `/api/instances/${A}/rpc`, { method: "browser.screenshot" });
    expect(rpc.status, JSON.stringify(rpc.body)).toBe(200);
    expect(rpc.body.mimeType).toBe("image/png");
    expect(Buffer.from(rpc.body.dataBase64, "base64").subarray(1, 4).toString()).toBe("PNG");
  });
});

describe("manager restart", () => {
  it("a restarted Manager re-adopts the live instances (same processes, same phase)", async () => {
    const before = runtime.processes(A)!;
    const restarted = new LocalRuntime({ config: manager.config, logger: createLogger("gateway-int-restart", { level: "warn" }) });
    await restarted.start();
    try {
      const after = restarted.processes(A)!;
      expect(after.gatewayPid).toBe(before.gatewayPid);
      expect(after.agentPid).toBe(before.agentPid);
      const deadline = Date.now() + 10_000;
      while ((await restarted.get(A))!.phase !== "running" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect((await restarted.get(A))!.phase).toBe("running");
      expect((await restarted.list()).map((s) => s.userId).sort()).toEqual([A, B]);
    } finally {
      await restarted.stop();
    }
  });
});

describe("isolation and failures", () => {
  it("an instance cannot reach another instance's gateway or agent with its own tokens", async () => {
    const la = runtime.layout(A)!;
    const tokenB = deriveInstanceToken(API_KEY, "gateway", B);
    const client = new GatewayClient({ url: `ws://127.0.0.1:${la.ports.gateway}`, token: tokenB, connectTimeoutMs: 10_000 });
    const err = await client.request("status").catch((e) => e);
    client.close();
    expect(err).toBeInstanceOf(GatewayError);
    expect(JSON.stringify((err as GatewayError).toShape())).toMatch(/AUTH_TOKEN_MISMATCH|unauthorized|token/i);
    const agentTokenB = deriveInstanceToken(API_KEY, "agent", B);
    const res = await fetch(`http://127.0.0.1:${la.ports.agent}/rpc`, {
      method: "POST",
      headers: { authorization: `Bearer ${agentTokenB}` },
      body: JSON.stringify({ method: "status" }),
    });
    expect(res.status).toBe(401);
  });

  it("a SIGKILLed gateway is running again by itself on the same state, and a call made meanwhile waits for it and is answered", async () => {
    const setup = await api("POST", `/api/instances/${B}/telegram/setup`, { botToken: BOT_TOKEN });
    expect(setup.status).toBe(200);
    const before = (await runtime.get(B))!;
    const procs = runtime.processes(B)!;
    // The gateway's server process (its launcher `node openclaw.mjs` runs it as `openclaw-gateway`).
    const server = procs.pids.find((p) => cmdline(p)[0] === "openclaw-gateway");
    expect(server).toBeDefined();
    process.kill(server!, "SIGKILL");
    const down = await waitFor(B, (s) => s.pods[0]!.restartCount > before.pods[0]!.restartCount, 60_000);
    expect(down.pods[0]!.lastState).toMatchObject({ status: "terminated", reason: "Error" });
    expect(down.pods[0]!.lastState!.message).toBeTruthy(); // its last log lines

    // Made while the gateway is down: the Manager holds it until the gateway is back (the
    // instance is "starting"; restart-wait.ts) instead of answering 503.
    expect((await runtime.get(B))!.phase).not.toBe("running");
    const rpc = await api("POST", `/api/instances/${B}/rpc`, { method: "status" });
    expect(rpc.status, JSON.stringify(rpc.body)).toBe(200);

    // No re-create and no wait for OpenClaw's 5-minute lease expiry: the supervisor restarts it
    // and clears the dead gateway's leases first, so this is one cold start.
    await waitPhase(B, ["running"], 300_000);
    const revived = runtime.processes(B)!;
    expect(revived.gatewayPid).toBeDefined();
    expect(revived.gatewayPid).not.toBe(procs.gatewayPid); // a new process set ...
    const status = await api("GET", `/api/instances/${B}/telegram/status`);
    expect(status.body.configured).toBe(true); // ... on the same state (config with the bot token survived)
  }, 420_000);
});
