/**
 * Sleep under memory pressure on the local runtime (CLAWBOX_AWAKE_MEMORY), with two real
 * sandboxed gateways through the Manager and the model stand-in. The machine's limit is set to
 * room for one awake assistant, from the instances' measured size:
 *   - a message to a sleeping assistant is answered, and the other one, idle, sleeps to make room;
 *   - an assistant used within CLAWBOX_IDLE_STOP_UNDER_PRESSURE is never put to sleep for memory
 *     (a wake meanwhile goes ahead over the limit); once it has been idle that long, the regular
 *     pass brings the machine back under the limit, idle-longest first.
 * The idle stop stays at its default (30m): every sleep here is the pressure's.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { createLogger } from "@clawbox/shared";
import { isAlive } from "@clawbox/shared/proc";
import { sendChat } from "./chat-stream.ts";
import { poll } from "./harness.ts";
import * as modelStandin from "../../../test/standins/model-standin.ts";
import { freePortBase } from "../../../test/support/ports.ts";
import { loadConfig } from "../src/config.ts";
import { ManagerMetrics } from "../src/metrics.ts";
import { LocalRuntime } from "../src/runtime/local/index.ts";
import { buildServer } from "../src/server.ts";

const API_KEY = "test-manager-key-pressure";
const A = "pressure-a";
const B = "pressure-b";
const MODEL_KEY = "sk-standin-pressure-key";
const PRESSURE_IDLE_MS = 10_000;

let app: FastifyInstance;
let runtime: LocalRuntime;
let model: Awaited<ReturnType<typeof modelStandin.start>>;
let dataDir: string;
let env: Record<string, string>;
let base: string;
const auth = { authorization: `Bearer ${API_KEY}` };
const log = createLogger("pressure-int", { level: "info" });

async function api(method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = body === undefined ? auth : { ...auth, "content-type": "application/json" };
  const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const phase = async (u: string) => (await runtime.get(u))?.phase;
const untilPhase = (u: string, p: string, timeoutMs = 300_000) => poll(`${u} ${p}`, async () => (await phase(u)) === p, timeoutMs, 250);

/** Asleep, and every process it had is gone. */
async function expectAsleep(u: string, pids: number[]) {
  await untilPhase(u, "sleeping", 120_000);
  await poll(`${u}'s processes to exit`, async () => pids.every((p) => !isAlive(p)), 60_000, 250);
  expect(runtime.processes(u)!.pids).toEqual([]);
}

async function answered(u: string, message: string) {
  const r = await sendChat(base, u, auth, message);
  expect(r.status).toBe(200);
  expect(r.events.map((e) => e.event)).not.toContain("error");
  expect(r.events.find((e) => e.event === "done")?.data).toMatchObject({ text: expect.stringContaining(message) });
  return r.events;
}

/** The Manager on the test's data dir and port block; started again with another limit. */
async function startManager(extra: Record<string, string>) {
  const config = loadConfig({ ...env, ...extra });
  runtime = new LocalRuntime({ config, logger: createLogger("pressure-int-runtime", { level: process.env.LOG_LEVEL ?? "warn" }) });
  await runtime.start();
  app = await buildServer({ config, runtime, logger: createLogger("pressure-int-manager", { level: process.env.LOG_LEVEL ?? "warn" }), metrics: new ManagerMetrics() });
  await app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}

async function stopManager() {
  await app.close();
  await runtime.stop();
}

beforeAll(async () => {
  model = await modelStandin.start({ keys: [MODEL_KEY] });
  dataDir = mkdtempSync(join(tmpdir(), "clawbox-pressure-int-"));
  env = {
    OPENCLAW_MANAGER_API_KEY: API_KEY,
    CLAWBOX_DATA_DIR: dataDir,
    LOCAL_PORT_BASE: String(await freePortBase(2)),
    LOCAL_STOP_GRACE_MS: "15000",
    CLAWBOX_DESKTOP: "off",
    CLAWBOX_WAKE_TIMEOUT: "240s",
    CLAWBOX_IDLE_STOP_UNDER_PRESSURE: `${PRESSURE_IDLE_MS / 1000}s`,
  };
  // Set up without a limit: both assistants created and used once (their real size).
  await startManager({ CLAWBOX_AWAKE_MEMORY: "off" });
  for (const u of [A, B]) {
    const created = await api("POST", "/api/instances", {
      userId: u,
      model: { provider: "openai-compatible", model: "standin/echo-1", apiKey: MODEL_KEY, baseUrl: model.baseUrl },
    });
    expect(created.status).toBe(201);
  }
  for (const u of [A, B]) await untilPhase(u, "running");
  for (const u of [A, B]) await answered(u, `Hello from ${u}`);
}, 600_000);

afterAll(async () => {
  if (app) log.info({ wakes: app.sleep.wakes, pressureSleeps: app.sleep.pressureSleeps }, "wakes and pressure sleeps");
  await app?.close();
  for (const u of [A, B]) await runtime?.delete(u, { preservePvc: false });
  await runtime?.stop();
  await model?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("sleep under memory pressure on the local runtime", () => {
  it("a message to a sleeping assistant on a full machine is answered, and the idle one sleeps to make room", async () => {
    const sizeA = runtime.memoryBytes(A)!;
    const sizeB = runtime.memoryBytes(B)!;
    expect(Math.min(sizeA, sizeB)).toBeGreaterThan(100 * 2 ** 20);
    expect((await api("POST", `/api/instances/${B}/sleep`)).status).toBe(200);
    await untilPhase(B, "sleeping");
    // The operator's limit: room for the bigger of the two, not for both. The Manager restarts
    // with it (the instances keep running, re-adopted).
    const limitMi = Math.floor((Math.max(sizeA, sizeB) * 1.5) / 2 ** 20);
    expect(limitMi * 2 ** 20).toBeLessThan(sizeA + sizeB);
    await stopManager();
    await startManager({ CLAWBOX_AWAKE_MEMORY: `${limitMi}Mi` });
    await untilPhase(A, "running"); // re-adopted: "starting" until its first probe
    const pidsA = runtime.processes(A)!.pids;
    // Alone, A fits: the pass leaves it awake however long it idles.
    await new Promise((r) => setTimeout(r, PRESSURE_IDLE_MS + 5000));
    expect(await phase(A)).toBe("running");
    expect(app.sleep.pressureSleeps).toEqual([]);

    const events = await answered(B, "Good morning, is there room for me?");
    expect(events[0]).toEqual({ event: "status", data: { phase: "waking" } });
    await expectAsleep(A, pidsA);
    expect(app.sleep.pressureSleeps.map((s) => s.userId)).toEqual([A]);
    expect(await phase(B)).toBe("running");
  }, 600_000);

  it("never puts an assistant to sleep for memory within the pressure idle time of its last use; then the idle-longest sleeps", async () => {
    const pidsB = runtime.processes(B)!.pids;
    const usedB = Date.now();
    await answered(B, "Still here, B");
    // A's message wakes A: the limit has room for one, and B was just used.
    await answered(A, "Back again, A here");
    expect(await phase(A)).toBe("running");
    // Over the limit until one of them has idled long enough: then the pass puts B, idle the
    // longest, to sleep, and A, used last, stays.
    await expectAsleep(B, pidsB);
    expect(app.sleep.pressureSleeps.map((s) => s.userId)).toEqual([A, B]);
    expect(app.sleep.pressureSleeps[1]!.at - usedB).toBeGreaterThanOrEqual(PRESSURE_IDLE_MS);
    expect(await phase(A)).toBe("running");
  }, 600_000);
});
