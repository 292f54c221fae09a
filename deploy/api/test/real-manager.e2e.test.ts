import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from "vitest";
import { WebSocket } from "ws";
import { managerUserIdFor } from "../src/manager/manager-user-id.ts";
import * as egressStandin from "../../../test/standins/egress-standin.ts";
import * as telegramStandin from "../../../test/standins/telegram-standin.ts";
import { freePort, freePortBase } from "../../../test/support/ports.ts";
import { poll } from "../../manager/test/harness.ts";
import { client, createTestDatabase, startStandins, startTestApi, type Api } from "./harness.ts";

/**
 * The App API's routes that need a live gateway, against the REAL Manager (deploy/manager, local
 * runtime: a real OpenClaw gateway process with its live browser view): sign up, create an
 * instance, poll it to running, then every pass-through route (RPC, Telegram, pairing, WhatsApp,
 * the VNC socket) with the gateway's real answers, then delete it; nothing is left in the App API
 * or the Manager. Database: real PostgreSQL. (Instance lifecycle, ownership, models and failures
 * are api.e2e.test.ts, with the real Manager on the test cluster.)
 */
const ROOT = join(import.meta.dirname, "../../..");

describe("App API with the real Manager (local runtime)", () => {
  const managerKey = `mgr-${randomBytes(16).toString("hex")}`;
  let manager: ChildProcess;
  let dataDir: string;
  let managerUrl: string;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let s: Awaited<ReturnType<typeof startStandins>>;
  let api: Api;
  let tg: telegramStandin.TelegramStandin;
  /** The instance's proxy (CLAWBOX_INSTANCE_PROXY): what it tries to reach outside is refused on loopback. */
  let egress: egressStandin.EgressStandin;
  const BOT_TOKEN = "987654321:AAStandinBotTokenForClawBoxTests_xyz0123";

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "clawbox-api-real-manager-"));
    tg = await telegramStandin.start({ token: BOT_TOKEN, username: "clawbox_real_manager_bot" });
    egress = await egressStandin.start();
    const port = await freePort();
    managerUrl = `http://127.0.0.1:${port}`;
    // The Manager's own log, shown when the test fails (it explains a refused wake or socket).
    const managerLog = openSync(join(dataDir, "manager.log"), "a");
    manager = spawn(process.execPath, [join(ROOT, "deploy/manager/src/index.ts")], {
      env: {
        ...process.env,
        NODE_ENV: "test",
        LOG_LEVEL: "info",
        OPENCLAW_MANAGER_API_KEY: managerKey,
        OPENCLAW_RUNTIME: "local",
        HOST: "127.0.0.1",
        PORT: String(port),
        CLAWBOX_DATA_DIR: dataDir,
        LOCAL_PORT_BASE: String(await freePortBase(1)),
        CLAWBOX_DESKTOP: "auto",
        LOCAL_STOP_GRACE_MS: "10000",
        CLAWBOX_TELEGRAM_API_ROOT: tg.url,
        CLAWBOX_INSTANCE_PROXY: egress.url,
        // A wake on this shared machine (two test lanes at once) may take minutes.
        CLAWBOX_WAKE_TIMEOUT: "240s",
      },
      stdio: ["ignore", managerLog, "inherit"],
      detached: true,
    });
    closeSync(managerLog);
    for (let i = 0; ; i++) {
      if (await fetch(`${managerUrl}/health`).then((r) => r.ok, () => false)) break;
      if (manager.exitCode !== null || i > 300) throw new Error("the real Manager did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    db = await createTestDatabase("postgres", inject("databaseUrl"));
    s = await startStandins(managerKey, managerUrl);
    // Pass-through calls get this plus the App API's 65 s wake allowance: room for the Manager's
    // longer wait above (a wake, or a gateway restart after a channel change).
    api = await startTestApi(s.env({ REVENUECAT_API_KEY: undefined, OPENROUTER_MANAGEMENT_KEY: undefined, MANAGER_TIMEOUT_MS: "240000" }), db.handle);
  });

  afterAll(async () => {
    await api?.close();
    await s?.stop();
    await db?.drop();
    await tg?.stop();
    await egress?.stop();
    if (manager && manager.exitCode === null) {
      // A stopping Manager leaves its local instances running (it re-adopts them on restart), so
      // whatever a failed run left behind is deleted through the Manager first.
      const auth = { authorization: `Bearer ${managerKey}` };
      const left = await fetch(`${managerUrl}/api/instances`, { headers: auth })
        .then((r) => r.json() as Promise<{ instances: { userId: string }[] }>)
        .catch(() => ({ instances: [] }));
      for (const i of left.instances) {
        await fetch(`${managerUrl}/api/instances/${i.userId}?preservePvc=false`, { method: "DELETE", headers: auth }).catch(() => undefined);
      }
      const exited = new Promise((r) => manager.once("exit", r));
      manager.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 40_000))]);
      if (manager.exitCode === null) process.kill(-manager.pid!, "SIGKILL");
    }
    // Exiting gateway processes still flush their compile cache into the data dir for a moment.
    await new Promise((r) => setTimeout(r, 2000));
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 });
  });

  it("signs up, creates an instance, polls it to running, passes the gateway routes through, serves it asleep by waking it (the live browser view), deletes it", async () => {
    onTestFailed(() => {
      const lines = readFileSync(join(dataDir, "manager.log"), "utf8").split("\n").filter((l) => /"level":(40|50|60)/.test(l));
      console.log(`the Manager's warnings and errors:\n${lines.slice(-40).join("\n")}`);
    });
    const call = client(api.url);
    const u = await call("POST", "/auth/signup", { body: { email: "real@example.com", password: "correct horse battery" } });
    expect(u.status).toBe(201);
    const token = u.body.accessToken;

    const created = await call("POST", "/instances", { token });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), phase: expect.stringMatching(/^(pending|starting)$/) });
    const id = created.body.id;

    const phases: string[] = [];
    let last: any;
    // A gateway's cold start is 12-40 s on an idle machine; this one is shared, so allow minutes.
    const deadline = Date.now() + 420_000;
    while (Date.now() < deadline) {
      last = (await call("GET", `/instances/${id}`, { token })).body;
      if (phases.at(-1) !== last.phase) phases.push(last.phase);
      if (last.phase === "running" || last.phase === "error") break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(last.phase, `phases ${phases.join(" -> ")}; message ${last.message ?? ""}`).toBe("running");
    expect(last.ready).toBe(true);
    expect(last.pods[0]).toMatchObject({ phase: "Running", ready: true });
    expect(last.isolated).toBe(true); // the sandbox is on (the app warns only on false)
    // The Manager knows the instance by the derived userId, never anything the user chose.
    const auth = { authorization: `Bearer ${managerKey}` };
    const managed = (await (await fetch(`${managerUrl}/api/instances`, { headers: auth })).json()) as { instances: { userId: string }[] };
    expect(managed.instances.map((i) => i.userId)).toEqual([managerUserIdFor(u.body.user.id)]);

    const status = await call("POST", `/instances/${id}/rpc`, { token, body: { method: "status" } });
    expect(status.status).toBe(200);
    expect(status.body.runtimeVersion).toBe("2026.9.6");
    const forbidden = await call("POST", `/instances/${id}/rpc`, { token, body: { method: "config.patch", params: {} } });
    expect(forbidden.status).toBe(403);

    // Telegram (against the Bot API stand-in): not configured, set up, configured, logged out.
    const before = await call("GET", `/instances/${id}/telegram/status`, { token });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ channel: "telegram", configured: false });
    const setup = await call("POST", `/instances/${id}/telegram/setup`, { token, body: { botToken: BOT_TOKEN } });
    expect(setup.status, setup.text).toBe(200);
    expect(setup.body).toMatchObject({ ok: true, channel: "telegram", configured: true });
    expect(setup.text).not.toContain(BOT_TOKEN);
    const configured = await poll("telegram configured", async () => {
      const r = await call("GET", `/instances/${id}/telegram/status`, { token });
      return r.body.configured === true ? r : undefined;
    }, 120_000, 1000);
    expect(configured.text).not.toContain(BOT_TOKEN);
    // OpenClaw sometimes restarts the gateway shortly after a channel change (its restart
    // recovery: the process exits, the Manager starts it again). A call caught by that answers 503
    // (connection closed, or "starting") and works when asked again, as the user would.
    const logout = await poll("the bot's logout", async () => {
      const r = await call("POST", `/instances/${id}/telegram/logout`, { token });
      return r.status === 503 ? undefined : r;
    }, 300_000, 2000);
    expect(logout.status, logout.text).toBe(200);
    expect(logout.body).toMatchObject({ ok: true, channel: "telegram" });
    expect(logout.text).not.toContain(BOT_TOKEN);

    // Pairing: the gateway's empty lists; an unknown code is the Manager's 404. Disconnecting the
    // bot may make OpenClaw restart the gateway to drop the channel (it exits, the Manager starts
    // it again): meanwhile the instance is "starting" and answers 503, as the user would see it.
    const telegramPairing = await poll("the pairing list after the bot's logout", async () => {
      const r = await call("GET", `/instances/${id}/pairing/list?channel=telegram`, { token });
      return r.status === 503 ? undefined : r;
    }, 300_000, 1000);
    expect(telegramPairing.body).toEqual({ channel: "telegram", requests: [] });
    expect((await call("GET", `/instances/${id}/pairing/list`, { token })).body).toEqual({ channel: null, requests: [] });
    const approve = await call("POST", `/instances/${id}/pairing/approve`, { token, body: { channel: "telegram", code: "ABC3KLM9", notify: true } });
    expect(approve.status).toBe(404);
    expect(approve.body).toMatchObject({ error: expect.any(String), code: expect.any(String) });

    // WhatsApp cannot be reached from here: the gateway's own error passes through as a 502.
    const qr = await call("POST", `/instances/${id}/whatsapp/qr`, { token, body: { force: true, timeoutMs: 5000 } });
    expect(qr.status).toBe(502);
    expect(qr.body).toMatchObject({ error: expect.stringMatching(/WhatsApp/), code: "WHATSAPP_LOGIN_FAILED" });
    expect(egress.attempts.map((a) => a.host)).toContain("web.whatsapp.com");
    const wait = await call("POST", `/instances/${id}/whatsapp/wait`, { token, body: { timeoutMs: 1000 } });
    expect(wait.status).toBe(200);
    expect(wait.body.connected).toBe(false);
    const wa = await call("GET", `/instances/${id}/whatsapp/status`, { token });
    expect(wa.status).toBe(200);
    expect(wa.body).toMatchObject({ channel: "whatsapp", connected: false });

    // The live browser view: a ticket opens the gateway's VNC through the App API, once.
    const ticket = await call("POST", `/instances/${id}/vnc/ticket`, { token });
    expect(ticket.status).toBe(200);
    const open = (path: string) =>
      new Promise<{ status: number; first?: string }>((resolve) => {
        const ws = new WebSocket(api.url.replace("http", "ws") + path, ["binary"]);
        ws.once("message", (d) => {
          resolve({ status: 101, first: String(d) });
          ws.close();
        });
        ws.once("unexpected-response", (_req, res) => resolve({ status: res.statusCode ?? 0 }));
        ws.once("error", () => resolve({ status: -1 }));
      });
    expect(await open(ticket.body.path)).toEqual({ status: 101, first: "RFB 003.008\n" });
    expect((await open(ticket.body.path)).status).toBe(404);

    // Sleeping (put to sleep at the Manager, as an idle timer would): the App API shows it and
    // still serves the user, waking it; the user's one sleep setting is the WhatsApp opt-in.
    const [{ userId }] = ((await (await fetch(`${managerUrl}/api/instances`, { headers: auth })).json()) as { instances: { userId: string }[] }).instances;
    const optIn = await call("PUT", `/instances/${id}/sleep`, { token, body: { sleepWithWhatsApp: true } });
    expect(optIn.status).toBe(200);
    expect(optIn.body.sleepPolicy).toEqual({ sleepWithWhatsApp: true });
    const notYours = await call("PUT", `/instances/${id}/sleep`, { token, body: { sleepWithWhatsApp: true, idleStopAfter: "0" } });
    expect(notYours.status).toBe(400);
    expect(notYours.body).toMatchObject({ field: "idleStopAfter" });
    expect((await fetch(`${managerUrl}/api/instances/${userId}/sleep`, { method: "POST", headers: auth })).status).toBe(200);
    const asleep = (await call("GET", `/instances/${id}`, { token })).body;
    expect(asleep).toMatchObject({ phase: "sleeping", ready: false, pods: [], sleep: { since: expect.any(String) } });
    // The live browser view wakes it: the socket opens once the instance runs, with the banner.
    const asleepTicket = await call("POST", `/instances/${id}/vnc/ticket`, { token });
    expect(asleepTicket.status).toBe(200);
    expect(await open(asleepTicket.body.path)).toEqual({ status: 101, first: "RFB 003.008\n" });
    const woken = await call("POST", `/instances/${id}/rpc`, { token, body: { method: "status" } });
    expect(woken.status, JSON.stringify(woken.body)).toBe(200);
    expect(woken.body.runtimeVersion).toBe("2026.9.6");
    expect((await call("GET", `/instances/${id}`, { token })).body.phase).toBe("running");

    const del = await call("DELETE", `/instances/${id}?preservePvc=false`, { token });
    expect(del.body).toEqual({ id, deleted: true, pvcPreserved: false });
    expect((await call("GET", "/instances", { token })).body).toEqual([]);
    const managerList = await fetch(`${managerUrl}/api/instances`, { headers: auth });
    expect(((await managerList.json()) as { instances: unknown[] }).instances).toEqual([]);
  }, 660_000);
});
