/**
 * Gateway path benchmark (issue #4): a real Manager process with the local runtime and real gateways.
 *   node bench/gateway.bench.ts            (BENCH_LOCAL_INSTANCES=10 by default; 0 skips that part)
 * Prints plain lines and a final JSON line:
 *  - p50 of `rpc status` through the Manager (HTTP -> Manager -> agent socket -> gateway) against a
 *    direct persistent loopback connection to the same gateway (ratio, target <= 1.2) and against a
 *    new connection + handshake per call (target: Manager >= 1.8x faster);
 *  - create-to-running of a local instance against the gateway's own cold start (direct spawn to
 *    /startupz, same seeded state and config; target <= 1.2x) and a bare gateway's cold start;
 *  - RSS of one local instance (sum of its processes) and of its agent (target < 60 MB);
 *  - Manager RSS with BENCH_LOCAL_INSTANCES running local instances (target < 150 MB).
 * Env: BENCH_LOCAL_INSTANCES (10), BENCH_RPC_N (300), BENCH_PORT_BASE (30000), BENCH_KEEP_DATA=1 keeps .data/bench-gateway.
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildGatewayConfig, deriveInstanceToken, GatewayClient } from "@clawbox/shared";
import { processTree, rssBytes } from "@clawbox/shared/proc";
import { instanceLayout } from "../deploy/manager/src/runtime/local/layout.ts";
import { openclawEntry, WhatsAppSeed } from "../deploy/manager/src/runtime/local/whatsapp-seed.ts";

const REPO = fileURLToPath(new URL("../", import.meta.url));
const DATA = join(REPO, ".data", "bench-gateway");
const API_KEY = "bench-gateway-key";
const PORT_BASE = Number(process.env.BENCH_PORT_BASE ?? 30000);
const N_INSTANCES = Number(process.env.BENCH_LOCAL_INSTANCES ?? 10);
const RPC_N = Number(process.env.BENCH_RPC_N ?? 300);
const MANAGER_PORT = PORT_BASE - 1;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => Math.round(b / 1024 / 1024);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const r2 = (x: number) => Math.round(x * 100) / 100;
const results: Record<string, unknown> = {};
const children: ChildProcess[] = [];

function log(line: string) {
  console.log(line);
}

async function startupz(port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/startupz`, { signal: AbortSignal.timeout(2000) });
    const b = (await r.json()) as { ok?: boolean; status?: string };
    return r.status === 200 && b.ok === true && b.status === "started";
  } catch {
    return false;
  }
}

/** The gateway's own cold start: spawn -> /startupz, no entrypoint, desktop or agent. */
async function directColdStart(name: string, port: number, seeded: boolean): Promise<number> {
  const dir = join(DATA, "direct", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "state"), { recursive: true });
  mkdirSync(join(dir, "home"), { recursive: true });
  const seed = new WhatsAppSeed(DATA);
  if (seeded) seed.applyTo(join(dir, "state"));
  writeFileSync(
    join(dir, "state", "openclaw.json"),
    JSON.stringify(buildGatewayConfig({ port, logFile: join(dir, "openclaw.log"), browser: { headless: true, noSandbox: true }, whatsapp: seeded })),
  );
  const t0 = performance.now();
  const child = spawn(process.execPath, [openclawEntry(), "gateway", "run", "--allow-unconfigured", "--bind", "loopback", "--port", String(port), "--auth", "token"], {
    env: {
      PATH: process.env.PATH,
      HOME: join(dir, "home"),
      OPENCLAW_STATE_DIR: join(dir, "state"),
      OPENCLAW_CONFIG_PATH: join(dir, "state", "openclaw.json"),
      OPENCLAW_GATEWAY_TOKEN: "direct-token",
      OPENCLAW_DISABLE_BONJOUR: "1",
      OPENCLAW_NO_RESPAWN: "1",
      OPENCLAW_NO_AUTO_UPDATE: "1",
      OPENCLAW_OFFLINE: "1",
      TMPDIR: join(dir, "state"),
    },
    detached: true,
    stdio: "ignore",
  });
  children.push(child);
  let ms = -1;
  while (performance.now() - t0 < 300_000) {
    if (await startupz(port)) {
      ms = performance.now() - t0;
      break;
    }
    await sleep(100);
  }
  process.kill(-child.pid!, "SIGTERM");
  await new Promise((r) => child.once("exit", r));
  return ms;
}

/** A keep-alive HTTP client, as the App API uses for the Manager (one connection, no per-call setup). */
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });
function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: MANAGER_PORT,
        path,
        method,
        agent: keepAlive,
        headers: { authorization: `Bearer ${API_KEY}`, ...(data ? { "content-type": "application/json", "content-length": Buffer.byteLength(data) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || "null") });
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

async function waitRunning(userId: string, timeoutMs = 600_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const r = await api("GET", `/api/instances/${userId}`);
    if (r.body.phase === "running") return;
    if (r.body.phase === "error") throw new Error(`${userId} failed: ${r.body.message}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`${userId} not running after ${timeoutMs} ms`);
    await sleep(100);
  }
}

function instanceInfo(userId: string) {
  const rec = JSON.parse(readFileSync(join(DATA, "instances", userId, "instance.json"), "utf8"));
  const layout = instanceLayout(DATA, userId, rec.index, PORT_BASE);
  const pid = (f: string) => JSON.parse(readFileSync(join(layout.runDir, f), "utf8")).pid as number;
  const gwTree = processTree(pid("entrypoint.pid"));
  const agentTree = processTree(pid("agent.pid"));
  return {
    layout,
    rss: [...gwTree, ...agentTree].reduce((s, p) => s + rssBytes(p), 0),
    agentRss: agentTree.reduce((s, p) => s + rssBytes(p), 0),
    agentAnon: agentTree.reduce((s, p) => s + anonBytes(p), 0),
  };
}

function anonBytes(pid: number): number {
  try {
    const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function timeCalls(n: number, call: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 20; i++) await call();
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call();
    lat.push(performance.now() - t0);
  }
  return lat;
}

async function main() {
  if (!process.env.BENCH_KEEP_DATA) rmSync(join(DATA, "instances"), { recursive: true, force: true });
  mkdirSync(DATA, { recursive: true });
  // The one-time WhatsApp seed (built once per data root; kept between runs).
  const seed = new WhatsAppSeed(DATA);
  if (!(await seed.ensure(log))) throw new Error("could not build the WhatsApp seed (npm registry unreachable?)");

  const bare = await directColdStart("bare", PORT_BASE - 10, false);
  const seeded = await directColdStart("seeded", PORT_BASE - 10, true);
  log(`gateway cold start (direct spawn -> /startupz): bare ${(bare / 1000).toFixed(1)} s, with the WhatsApp plugin + our config ${(seeded / 1000).toFixed(1)} s`);

  const manager = spawn(process.execPath, [join(REPO, "deploy/manager/src/index.ts")], {
    env: {
      ...process.env,
      OPENCLAW_MANAGER_API_KEY: API_KEY,
      OPENCLAW_RUNTIME: "local",
      CLAWBOX_DATA_DIR: DATA,
      LOCAL_PORT_BASE: String(PORT_BASE),
      LOCAL_STOP_GRACE_MS: "15000",
      PORT: String(MANAGER_PORT),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  children.push(manager);
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${MANAGER_PORT}/health`)).ok) break;
    } catch {
      if (i > 300) throw new Error("manager did not start");
    }
    await sleep(100);
  }

  const first = "bench-0";
  const t0 = performance.now();
  const created = await api("POST", "/api/instances", { userId: first });
  if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created)}`);
  await waitRunning(first);
  const createToRunning = performance.now() - t0;
  log(`create -> running (local instance, through the entrypoint, with agent and desktop): ${(createToRunning / 1000).toFixed(1)} s`);
  log(`  ratio to the gateway's own cold start (same plugin/config): ${r2(createToRunning / seeded)} (target <= 1.2); to a bare gateway: ${r2(createToRunning / bare)}`);
  await sleep(3000);

  // RPC latency: Manager vs direct persistent vs connection-per-call, same gateway, interleaved rounds.
  const info = instanceInfo(first);
  const url = `ws://127.0.0.1:${info.layout.ports.gateway}`;
  const token = deriveInstanceToken(API_KEY, "gateway", first);
  const direct = new GatewayClient({ url, token });
  await direct.request("status");
  const viaManager: number[] = [];
  const viaDirect: number[] = [];
  const perCall: number[] = [];
  for (let round = 0; round < 3; round++) {
    viaManager.push(...(await timeCalls(RPC_N / 3, async () => {
      const r = await api("POST", `/api/instances/${first}/rpc`, { method: "status" });
      if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    })));
    viaDirect.push(...(await timeCalls(RPC_N / 3, () => direct.request("status"))));
    perCall.push(...(await timeCalls(Math.max(10, RPC_N / 6), async () => {
      const c = new GatewayClient({ url, token });
      try {
        await c.request("status");
      } finally {
        c.close();
      }
    })));
  }
  direct.close();
  const pM = pct(viaManager, 50), pD = pct(viaDirect, 50), pC = pct(perCall, 50);
  log(`rpc status p50: via Manager ${r2(pM)} ms, direct persistent ${r2(pD)} ms, new connection per call ${r2(pC)} ms`);
  log(`  Manager/direct = ${r2(pM / pD)} (target <= 1.2); per-call/Manager = ${r2(pC / pM)} (target >= 1.8)`);
  log(`  p90: Manager ${r2(pct(viaManager, 90))} ms, direct ${r2(pct(viaDirect, 90))} ms, per call ${r2(pct(perCall, 90))} ms`);

  const after = instanceInfo(first);
  log(`RSS of one local instance (gateway + helpers + Xvfb/x11vnc/websockify + agent): ${mb(after.rss)} MB`);
  log(`RSS of its agent: ${mb(after.agentRss)} MB (private/anonymous ${mb(after.agentAnon)} MB; the rest is the shared node binary) (target < 60 MB)`);
  Object.assign(results, {
    coldStartBareMs: Math.round(bare),
    coldStartSeededMs: Math.round(seeded),
    createToRunningMs: Math.round(createToRunning),
    createToRunningRatio: r2(createToRunning / seeded),
    rpcStatusP50: { manager: r2(pM), direct: r2(pD), perCall: r2(pC) },
    managerOverDirect: r2(pM / pD),
    perCallOverManager: r2(pC / pM),
    instanceRssMB: mb(after.rss),
    agentRssMB: mb(after.agentRss),
    agentAnonMB: mb(after.agentAnon),
  });

  if (N_INSTANCES > 1) {
    const ids = Array.from({ length: N_INSTANCES - 1 }, (_, i) => `bench-${i + 1}`);
    const tN = performance.now();
    for (const id of ids) await api("POST", "/api/instances", { userId: id });
    for (const id of ids) await waitRunning(id, 1_200_000);
    log(`${N_INSTANCES} local instances running after ${((performance.now() - tN) / 1000).toFixed(0)} s`);
    await sleep(5000);
    for (let i = 0; i < 20; i++) await api("GET", "/api/instances");
    for (const id of [first, ...ids]) await api("POST", `/api/instances/${id}/rpc`, { method: "health" });
    const managerRss = rssBytes(manager.pid!);
    log(`Manager RSS with ${N_INSTANCES} running local instances: ${mb(managerRss)} MB (target < 150 MB)`);
    results.managerRssMB = mb(managerRss);
    results.localInstances = N_INSTANCES;
  } else {
    results.managerRssMB = mb(rssBytes(manager.pid!));
    results.localInstances = 1;
    log(`Manager RSS with 1 running local instance: ${results.managerRssMB} MB`);
  }

  console.log(JSON.stringify({ bench: "gateway", ...results }));
}

/** Deletes every bench instance through the Manager (SIGTERM, then SIGKILL after the grace), then stops it. */
async function cleanup(manager: ChildProcess | undefined) {
  if (!manager || manager.exitCode !== null) return;
  try {
    const list = await api("GET", "/api/instances");
    const items = (Array.isArray(list.body) ? list.body : (list.body?.instances ?? [])) as Array<{ userId: string }>;
    await Promise.all(items.map((s) => api("DELETE", `/api/instances/${s.userId}?preservePvc=false`)));
  } catch (e) {
    console.error(`cleanup: ${(e as Error).message}`);
  }
  manager.kill("SIGTERM");
  await new Promise((r) => manager.once("exit", r));
}

main()
  .catch((e) => {
    console.error(`gateway bench failed: ${(e as Error).stack ?? e}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanup(children.find((c) => c.spawnargs.some((a) => a.endsWith("deploy/manager/src/index.ts"))));
    keepAlive.destroy();
    for (const c of children) if (c.exitCode === null) try { process.kill(-c.pid!, "SIGKILL"); } catch { c.kill("SIGKILL"); }
  });
