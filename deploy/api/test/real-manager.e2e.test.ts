import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { client, createTestDatabase, startStandins, startTestApi, type Api } from "./harness.ts";

/**
 * One flow against the REAL Manager (deploy/manager, local runtime: a real OpenClaw gateway
 * process) instead of the stand-in: sign up, create an instance, poll it to running, call
 * `status` through /instances/:id/rpc, delete it. Database: real PostgreSQL.
 */
const ROOT = join(import.meta.dirname, "../../..");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe("App API with the real Manager (local runtime)", () => {
  const managerKey = `mgr-${randomBytes(16).toString("hex")}`;
  let manager: ChildProcess;
  let dataDir: string;
  let managerUrl: string;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let s: Awaited<ReturnType<typeof startStandins>>;
  let api: Api;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "clawbox-api-real-manager-"));
    const port = await freePort();
    managerUrl = `http://127.0.0.1:${port}`;
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
        LOCAL_PORT_BASE: String(34000 + (process.pid % 20) * 200),
        CLAWBOX_DESKTOP: "off",
        LOCAL_STOP_GRACE_MS: "10000",
        // A wake on this shared machine may take longer than the default minute.
        CLAWBOX_WAKE_TIMEOUT: "90s",
      },
      stdio: ["ignore", "ignore", "inherit"],
      detached: true,
    });
    for (let i = 0; ; i++) {
      if (await fetch(`${managerUrl}/health`).then((r) => r.ok, () => false)) break;
      if (manager.exitCode !== null || i > 300) throw new Error("the real Manager did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    db = await createTestDatabase("postgres", inject("databaseUrl"));
    s = await startStandins(managerKey, managerUrl);
    api = await startTestApi(s.env({ REVENUECAT_API_KEY: undefined, OPENROUTER_MANAGEMENT_KEY: undefined }), db.handle);
  });

  afterAll(async () => {
    await api?.close();
    await s?.stop();
    await db?.drop();
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

  it("signs up, creates an instance, polls it to running, calls status through /rpc, serves it asleep by waking it, deletes it", async () => {
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

    const status = await call("POST", `/instances/${id}/rpc`, { token, body: { method: "status" } });
    expect(status.status).toBe(200);
    expect(status.body.runtimeVersion).toBe("2026.9.6");
    const forbidden = await call("POST", `/instances/${id}/rpc`, { token, body: { method: "config.patch", params: {} } });
    expect(forbidden.status).toBe(403);

    // Sleeping (put to sleep at the Manager, as an idle timer would): the App API shows it and
    // still serves the user, waking it; the user's one sleep setting is the WhatsApp opt-in.
    const auth = { authorization: `Bearer ${managerKey}` };
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
    const woken = await call("POST", `/instances/${id}/rpc`, { token, body: { method: "status" } });
    expect(woken.status, JSON.stringify(woken.body)).toBe(200);
    expect(woken.body.runtimeVersion).toBe("2026.9.6");
    expect((await call("GET", `/instances/${id}`, { token })).body.phase).toBe("running");

    const del = await call("DELETE", `/instances/${id}?preservePvc=false`, { token });
    expect(del.body).toEqual({ id, deleted: true, pvcPreserved: false });
    expect((await call("GET", "/instances", { token })).body).toEqual([]);
    const managerList = await fetch(`${managerUrl}/api/instances`, { headers: { authorization: `Bearer ${managerKey}` } });
    expect(((await managerList.json()) as { instances: unknown[] }).instances).toEqual([]);
  }, 660_000);
});
