// App API benchmark (`node bench/api.bench.ts`, also run by `npm run bench`):
//  1. login p50/p99: POST /auth/login, sequential, password hashing argon2id m=19456 KiB, t=2, p=1
//     (OWASP's minimum for argon2id); target p50 < 150 ms.
//  2. GET /instances p50/p99 with 100 signed-in users polling it the way the app does (each user
//     every POLL_MS, with jitter: an open-loop load of ~100 req/s); each user owns one instance, so
//     every request is JWT check + DB query + one Manager status call. Target p99 < 30 ms.
//     Also: saturation throughput (100 users in a closed loop, no think time) and its latencies,
//     which measure capacity rather than latency.
//     The Manager is the Manager STAND-IN (test/standins/manager-standin.ts, in-memory status),
//     so the figures are the App API's own cost. The API runs as its own process (dist/main.js).
// Database: DATABASE_URL when set, otherwise embedded PGlite in memory (what `npm start` uses).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as managerStandin from "../test/standins/manager-standin.ts";

const ROOT = join(import.meta.dirname, "..");
const USERS = 100;
const ROUNDS = 15;
const POLL_MS = 1000;
const LOGINS = 40;

// NestJS needs decorator metadata, so the App API runs compiled (as in production).
const build = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "deploy/api/tsconfig.json")], { stdio: "inherit" });
if (build.status !== 0) throw new Error("App API build failed");
const { PASSWORD_HASH_PARAMS } = await import(join(ROOT, "deploy/api/dist/auth/password.js"));

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10;
};

const managerApiKey = randomBytes(16).toString("hex");
const manager = await managerStandin.start({ apiKey: managerApiKey, phaseMs: 0 });
const dataDir = mkdtempSync(join(tmpdir(), "clawbox-api-bench-"));
const PORT = 29400 + Math.floor(Math.random() * 500);
const child = spawn(process.execPath, [join(ROOT, "deploy/api/dist/main.js")], {
  stdio: ["ignore", "ignore", "inherit"],
  env: {
    ...process.env,
    NODE_ENV: "development",
    LOG_LEVEL: "warn",
    PORT: String(PORT),
    CLAWBOX_DATA_DIR: dataDir,
    PGLITE_DIR: "memory://",
    MIGRATE_ON_START: "true",
    MANAGER_URL: manager.url,
    MANAGER_API_KEY: managerApiKey,
    REVENUECAT_API_KEY: "",
    OPENROUTER_MANAGEMENT_KEY: "",
    AUTH_RATE_LIMIT_PER_MINUTE: "1000000",
  },
});
const api = { url: `http://127.0.0.1:${PORT}` };
const dbKind = process.env.DATABASE_URL ? "postgres" : "pglite";
for (let i = 0; ; i++) {
  if (child.exitCode !== null) throw new Error("App API exited during start");
  if (await fetch(`${api.url}/health`).then((r) => r.ok, () => false)) break;
  if (i > 600) throw new Error("App API did not start");
  await new Promise((r) => setTimeout(r, 100));
}

async function post(path: string, body: unknown, token?: string) {
  const res = await fetch(api.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as any;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

try {
  // 1. Login latency.
  const password = "correct horse battery staple";
  await post("/auth/signup", { email: "bench-login@example.com", password });
  const loginMs: number[] = [];
  for (let i = 0; i < LOGINS; i++) {
    const t0 = performance.now();
    await post("/auth/login", { email: "bench-login@example.com", password });
    loginMs.push(performance.now() - t0);
  }
  const p = PASSWORD_HASH_PARAMS;
  const hashing = `argon2id m=${p.memoryKiB}KiB t=${p.passes} p=${p.parallelism}`;
  console.log(`api.login_p50_ms ${pct(loginMs, 50)} (target < 150; ${hashing}, OWASP minimum; n=${LOGINS}, db=${dbKind})`);
  console.log(`api.login_p99_ms ${pct(loginMs, 99)}`);

  // 2. GET /instances with 100 concurrent signed-in users (setup in batches of 10).
  const tokens: string[] = [];
  for (let b = 0; b < USERS; b += 10) {
    const batch = await Promise.all(
      Array.from({ length: 10 }, (_, i) => post("/auth/signup", { email: `bench-${b + i}@example.com`, password })),
    );
    tokens.push(...batch.map((r) => r.accessToken as string));
  }
  for (let b = 0; b < USERS; b += 10) await Promise.all(tokens.slice(b, b + 10).map((t) => post("/instances", {}, t)));

  const listMs: number[] = [];
  const getInstances = async (token: string) => {
    const t0 = performance.now();
    const res = await fetch(`${api.url}/instances`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as unknown[];
    listMs.push(performance.now() - t0);
    if (res.status !== 200 || body.length !== 1) throw new Error(`GET /instances: ${res.status}`);
  };
  await Promise.all(tokens.map(getInstances)); // warm-up round, not counted
  listMs.length = 0;

  // a) The app's load: every user polls every POLL_MS (random phase, +-20% jitter).
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await Promise.all(
    tokens.map(async (t) => {
      await sleep(Math.random() * POLL_MS);
      for (let r = 0; r < ROUNDS; r++) {
        await getInstances(t);
        await sleep(POLL_MS * (0.8 + Math.random() * 0.4));
      }
    }),
  );
  const polled = [...listMs];
  console.log(`api.instances_list_p50_ms ${pct(polled, 50)} (${USERS} signed-in users polling every ${POLL_MS} ms, ${polled.length} requests, Manager stand-in, db=${dbKind})`);
  console.log(`api.instances_list_p99_ms ${pct(polled, 99)} (target < 30)`);

  // b) Saturation: the same 100 users with no think time.
  listMs.length = 0;
  const t0 = performance.now();
  await Promise.all(tokens.map(async (t) => { for (let r = 0; r < 10; r++) await getInstances(t); }));
  const rps = Math.round(listMs.length / ((performance.now() - t0) / 1000));
  const saturated = [...listMs];
  listMs.length = 0;
  listMs.push(...polled);
  console.log(`api.instances_list_saturated_rps ${rps} (100 users, closed loop, no think time; p50 ${pct(saturated, 50)} ms, p99 ${pct(saturated, 99)} ms)`);
  console.log(
    JSON.stringify({
      bench: "api",
      db: dbKind,
      hashing,
      login_p50_ms: pct(loginMs, 50),
      login_p99_ms: pct(loginMs, 99),
      instances_list_users: USERS,
      instances_list_p50_ms: pct(listMs, 50),
      instances_list_p99_ms: pct(listMs, 99),
      instances_list_poll_ms: POLL_MS,
      instances_list_saturated_rps: rps,
      instances_list_saturated_p50_ms: pct(saturated, 50),
      instances_list_saturated_p99_ms: pct(saturated, 99),
      manager: "stand-in",
    }),
  );
} finally {
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  await manager.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
