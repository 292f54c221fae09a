// App API benchmark (`node bench/api.bench.ts`, also run by `npm run bench`), on embedded PGlite
// (what `npm start` uses) and on a throwaway real PostgreSQL 15 (production's database):
//  1. login p50/p99: POST /auth/login, sequential; password hashing argon2id m=19456 KiB, t=2,
//     p=1 (OWASP's minimum for argon2id); target p50 < 150 ms.
//  2. GET /instances p50/p99 with 100 signed-in users polling it the way the app does (each user
//     every POLL_MS with jitter: an open-loop load of ~100 req/s); each user owns one instance, so
//     every request is JWT check + DB query + one Manager status call. Target p99 < 30 ms.
//     Also saturation: the same 100 users in a closed loop with no think time (capacity).
//     The Manager is the real one (kubernetes runtime, in this process) on a test cluster
//     (test/cluster, kwok nodes), answering status from its watch cache, so the figures are the
//     App API's cost plus one cached Manager read. The API runs as its own process (dist/main.js).
// Baselines, measured in the same run: a login against one bare argon2id verify in this process
// (what hashing alone costs), and the instance list against the same polling load sent straight
// to the Manager's cached read (what the App API adds to the one call it wraps).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startCluster } from "../test/cluster/cluster.ts";
import { API_KEY, listen, startManager } from "../deploy/manager/test/harness.ts";
import startPostgres from "../test/setup/postgres.global.ts";

const ROOT = join(import.meta.dirname, "..");
const USERS = 100;
const ROUNDS = 15;
const POLL_MS = 1000;
const LOGINS = 40;

// NestJS needs decorator metadata, so the App API runs compiled (as in production).
const build = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "deploy/api/tsconfig.json")], { stdio: "inherit" });
if (build.status !== 0) throw new Error("App API build failed");
const { PASSWORD_HASH_PARAMS: P, hashPassword, verifyPassword } = await import(join(ROOT, "deploy/api/dist/auth/password.js"));
const hashing = `argon2id m=${P.memoryKiB}KiB t=${P.passes} p=${P.parallelism}`;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ratio = (a: number, b: number) => `x${Math.round((a / b) * 100) / 100}`;

/** The app's load: every caller runs `get` every POLL_MS (random phase, +-20% jitter), ROUNDS times. */
async function pollLoad(callers: number, get: (caller: number) => Promise<number>): Promise<number[]> {
  const ms: number[] = [];
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      await sleep(Math.random() * POLL_MS);
      for (let r = 0; r < ROUNDS; r++) {
        ms.push(await get(c));
        await sleep(POLL_MS * (0.8 + Math.random() * 0.4));
      }
    }),
  );
  return ms;
}

/** Baseline for the login: one argon2id verify with the App API's own parameters, in-process. */
async function bareVerifyMs(password: string): Promise<number[]> {
  const stored = await hashPassword(password);
  const ms: number[] = [];
  for (let i = 0; i < LOGINS; i++) {
    const t0 = performance.now();
    if (!(await verifyPassword(password, stored))) throw new Error("bare verify failed");
    ms.push(performance.now() - t0);
  }
  return ms;
}

// Each scenario's 100 users get instances on this one cluster and Manager.
const cluster = await startCluster({ nodes: 3, log: () => undefined });
const manager = await startManager(cluster.kubeconfig);
const managerUrl = await listen(manager);

async function scenario(db: "pglite" | "postgres", databaseUrl: string | undefined) {
  const dataDir = mkdtempSync(join(tmpdir(), "clawbox-api-bench-"));
  const port = 29400 + Math.floor(Math.random() * 500);
  const child = spawn(process.execPath, [join(ROOT, "deploy/api/dist/main.js")], {
    stdio: ["ignore", "ignore", "inherit"],
    env: {
      ...process.env,
      NODE_ENV: "development",
      LOG_LEVEL: "warn",
      PORT: String(port),
      CLAWBOX_DATA_DIR: dataDir,
      PGLITE_DIR: "memory://",
      DATABASE_URL: databaseUrl ?? "",
      MIGRATE_ON_START: "true",
      MANAGER_URL: managerUrl,
      MANAGER_API_KEY: API_KEY,
      REVENUECAT_API_KEY: "",
      OPENROUTER_MANAGEMENT_KEY: "",
      AUTH_RATE_LIMIT_PER_MINUTE: "1000000",
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error("App API exited during start");
      if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
      if (i > 900) throw new Error("App API did not start");
      await sleep(100);
    }
    const post = async (path: string, body: unknown, token?: string) => {
      const res = await fetch(url + path, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as any;
      if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };

    // 1. Login latency.
    const password = "correct horse battery staple";
    await post("/auth/signup", { email: "bench-login@example.com", password });
    const loginMs: number[] = [];
    for (let i = 0; i < LOGINS; i++) {
      const t0 = performance.now();
      await post("/auth/login", { email: "bench-login@example.com", password });
      loginMs.push(performance.now() - t0);
    }
    const bare = await bareVerifyMs(password);
    console.log(`api.${db}.login_p50_ms ${pct(loginMs, 50)} (target < 150; ${hashing}, OWASP minimum; n=${LOGINS})`);
    console.log(`api.${db}.login_p99_ms ${pct(loginMs, 99)}`);
    console.log(`api.${db}.login_vs_bare_verify p50 ${ratio(pct(loginMs, 50), pct(bare, 50))} (baseline: one argon2id verify in-process, p50 ${pct(bare, 50)} ms)`);

    // 2. 100 signed-in users, one instance each.
    const tokens: string[] = [];
    for (let b = 0; b < USERS; b += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, (_, i) => post("/auth/signup", { email: `bench-${b + i}@example.com`, password })));
      tokens.push(...batch.map((r) => r.accessToken as string));
    }
    for (let b = 0; b < USERS; b += 10) await Promise.all(tokens.slice(b, b + 10).map((t) => post("/instances", {}, t)));
    const getInstances = async (token: string) => {
      const t0 = performance.now();
      const res = await fetch(`${url}/instances`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as unknown[];
      const ms = performance.now() - t0;
      if (res.status !== 200 || body.length !== 1) throw new Error(`GET /instances: ${res.status}`);
      return ms;
    };
    await Promise.all(tokens.map(getInstances)); // warm-up, not counted

    // a) The app's load: every user polls every POLL_MS.
    const polled = await pollLoad(USERS, (c) => getInstances(tokens[c]!));
    console.log(`api.${db}.instances_list_p50_ms ${pct(polled, 50)} (${USERS} signed-in users polling every ${POLL_MS} ms, ${polled.length} requests, real Manager on the test cluster)`);
    console.log(`api.${db}.instances_list_p99_ms ${pct(polled, 99)} (target < 30)`);
    // Baseline: the same load on the Manager's cached status read, which each list request makes once.
    const listed = (await (await fetch(`${managerUrl}/api/instances`, { headers: { authorization: `Bearer ${API_KEY}` } })).json()) as { instances: { userId: string }[] };
    const managerIds = listed.instances.map((i) => i.userId);
    const direct = await pollLoad(USERS, async (c) => {
      const t0 = performance.now();
      const res = await fetch(`${managerUrl}/api/instances/${managerIds[c % managerIds.length]}`, { headers: { authorization: `Bearer ${API_KEY}` } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`Manager GET /api/instances/:userId: ${res.status}`);
      return performance.now() - t0;
    });
    console.log(
      `api.${db}.instances_list_vs_manager_read p50 ${ratio(pct(polled, 50), pct(direct, 50))}, p99 ${ratio(pct(polled, 99), pct(direct, 99))} (baseline: the same load on the Manager's cached read, p50 ${pct(direct, 50)} ms, p99 ${pct(direct, 99)} ms)`,
    );

    // b) Saturation: the same users with no think time.
    const saturated: number[] = [];
    const t0 = performance.now();
    await Promise.all(tokens.map(async (t) => { for (let r = 0; r < 10; r++) saturated.push(await getInstances(t)); }));
    const rps = Math.round(saturated.length / ((performance.now() - t0) / 1000));
    console.log(`api.${db}.instances_list_saturated_rps ${rps} (closed loop, no think time; p50 ${pct(saturated, 50)} ms, p99 ${pct(saturated, 99)} ms)`);
    return {
      login_p50_ms: pct(loginMs, 50),
      login_p99_ms: pct(loginMs, 99),
      bare_verify_p50_ms: pct(bare, 50),
      instances_list_p50_ms: pct(polled, 50),
      instances_list_p99_ms: pct(polled, 99),
      manager_read_p50_ms: pct(direct, 50),
      manager_read_p99_ms: pct(direct, 99),
      instances_list_saturated_rps: rps,
      instances_list_saturated_p50_ms: pct(saturated, 50),
      instances_list_saturated_p99_ms: pct(saturated, 99),
    };
  } finally {
    child.kill("SIGTERM");
    if (child.exitCode === null) await new Promise((r) => child.once("exit", r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results: Record<string, unknown> = {};
console.log(`machine load average (1 min) at start: ${loadavg()[0]!.toFixed(1)} on 2 shared cores`);
results.pglite = await scenario("pglite", undefined);
let pgUrl = process.env.DATABASE_URL;
let stopPg: (() => Promise<void>) | undefined;
if (!pgUrl) {
  stopPg = (await startPostgres({ provide: (_k: string, v: string) => (pgUrl = v) } as never)) as () => Promise<void>;
}
try {
  results.postgres = await scenario("postgres", pgUrl);
} finally {
  await stopPg?.();
  await manager.close();
  await cluster.stop();
}
console.log(JSON.stringify({ bench: "api", hashing, users: USERS, poll_ms: POLL_MS, manager: "real (kubernetes runtime, test cluster)", load_avg_1m: Math.round(loadavg()[0]! * 10) / 10, ...results }));
