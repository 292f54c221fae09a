// node bench/manager-k8s.bench.ts [--instances N]
// The Manager (a separate `node deploy/manager/src/index.ts` process, OPENCLAW_RUNTIME=kubernetes,
// authenticated as the openclaw-manager ServiceAccount) on its own real test cluster with N
// (default 1,000) instances created through its API and made Ready by kwok. Prints:
//   p50/p99 of GET /api/instances and GET /api/instances/:userId   (targets p99 < 50 ms / < 10 ms)
//   API-server calls per create, by verb                            (target: one write per object, no reads)
//   Manager RSS with N instances cached                             (target < 200 MB)
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { startCluster } from "../test/cluster/cluster.ts";
import { adminClient, counterSum, ensureWaitForConsumerClass, managerServiceAccount, NAMESPACE, provisionVolume, TOKEN_SECRET, WAIT_FOR_CONSUMER_CLASS } from "../deploy/manager/test/harness.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg("--instances", 1000);
const API_KEY = "bench-manager-key-0123456789";
const auth = { authorization: `Bearer ${API_KEY}` };
const log = (line: string) => console.log(line);

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function timeRequests(base: string, paths: () => string, count: number): Promise<{ p50: number; p99: number; bytes: number }> {
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const res = await fetch(`${base}${paths()}`, { headers: auth });
    const body = await res.arrayBuffer();
    ms.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`GET ${paths()} -> ${res.status}`);
    bytes = body.byteLength;
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), bytes };
}

// Pods per kwok node are capped at 110 and each instance requests 300m CPU of a node's 32:
// one node per ~100 instances, plus a spare.
let manager: ReturnType<typeof spawn> | undefined;
process.once("SIGTERM", () => process.exit(143));
process.once("SIGINT", () => process.exit(130));
process.once("exit", () => manager?.kill("SIGKILL"));
const cluster = await startCluster({ nodes: Math.ceil(N / 100) + 1, log: () => undefined });
try {
  log(`test cluster ready in ${cluster.readySeconds.toFixed(1)} s (${cluster.nodes.length} kwok nodes)`);
  const admin = adminClient(cluster.kubeconfig);
  const saKubeconfig = await managerServiceAccount(cluster.kubeconfig);
  const users = Array.from({ length: N }, (_, i) => `bench-${String(i).padStart(5, "0")}`);
  // Bind-on-first-use volumes (like GKE's standard-rwo), so scheduling never waits on a claim.
  await ensureWaitForConsumerClass(admin);
  await pool(users, 16, (u) => provisionVolume(admin, u, WAIT_FOR_CONSUMER_CLASS));
  log(`${N} PersistentVolumes pre-bound (the test cluster has no provisioner)`);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  manager = spawn(process.execPath, [fileURLToPath(new URL("../deploy/manager/src/index.ts", import.meta.url))], {
    env: {
      ...process.env,
      OPENCLAW_MANAGER_API_KEY: API_KEY,
      OPENCLAW_TOKEN_SECRET: TOKEN_SECRET,
      OPENCLAW_RUNTIME: "kubernetes",
      OPENCLAW_NAMESPACE: NAMESPACE,
      OPENCLAW_IMAGE_REPO: "registry.test/openclaw-gke",
      OPENCLAW_STORAGE_CLASS: WAIT_FOR_CONSUMER_CLASS,
      KUBECONFIG: saKubeconfig,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; ; i++) {
    if (i > 300) throw new Error("manager did not start");
    if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) break;
    await sleep(100);
  }
  const metrics = async () => (await fetch(`${base}/metrics`)).text();

  // One create on its own, to count exactly what a create costs.
  const m0 = await metrics();
  const first = await fetch(`${base}/api/instances`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ userId: users[0] }) });
  if (first.status !== 201) throw new Error(`first create -> ${first.status} ${await first.text()}`);
  const m1 = await metrics();
  const calls = (verb: string) =>
    counterSum(m1, "openclaw_manager_apiserver_requests_total", { verb }) - counterSum(m0, "openclaw_manager_apiserver_requests_total", { verb });
  const perCreate = { apply: calls("apply"), get: calls("get"), list: calls("list"), watch: calls("watch"), delete: calls("delete") };
  log(`API-server calls for one create: ${perCreate.apply} writes (server-side apply, one per object: Secret, ConfigMap, PVC, Service, NetworkPolicy, Deployment), ${perCreate.get + perCreate.list} reads (target: 0)`);

  const t0 = performance.now();
  await pool(users.slice(1), 8, async (userId) => {
    const res = await fetch(`${base}/api/instances`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ userId }) });
    if (res.status !== 201) throw new Error(`create ${userId} -> ${res.status} ${await res.text()}`);
  });
  const createSeconds = (performance.now() - t0) / 1000;
  const m2 = await metrics();
  const applyTotal = counterSum(m2, "openclaw_manager_apiserver_requests_total", { verb: "apply" }) - counterSum(m0, "openclaw_manager_apiserver_requests_total", { verb: "apply" });
  const readsDuringCreates = ["get", "list"].reduce((n, verb) => n + counterSum(m2, "openclaw_manager_apiserver_requests_total", { verb }) - counterSum(m0, "openclaw_manager_apiserver_requests_total", { verb }), 0);
  log(`${N} creates through the Manager in ${createSeconds.toFixed(1)} s (${(N / createSeconds).toFixed(1)}/s); ${(applyTotal / N).toFixed(2)} writes per create on average, ${readsDuringCreates} list/get calls in total (watch relists)`);

  const t1 = performance.now();
  let phases: Record<string, number> = {};
  for (;;) {
    const list = (await (await fetch(`${base}/api/instances`, { headers: auth })).json()) as { instances: { phase: string }[] };
    phases = {};
    for (const s of list.instances) phases[s.phase] = (phases[s.phase] ?? 0) + 1;
    if ((phases.running ?? 0) === N) break;
    if (performance.now() - t1 > 15 * 60_000) throw new Error(`not all running after 15 min: ${JSON.stringify(phases)}`);
    if (Math.round((performance.now() - t1) / 2000) % 15 === 0) log(`  waiting for running: ${JSON.stringify(phases)}`);
    await sleep(2000);
  }
  log(`all ${N} instances running ${((performance.now() - t1) / 1000).toFixed(1)} s after the last create`);
  const hist = await metrics();
  const c2rCount = counterSum(hist, "openclaw_manager_create_to_running_seconds_count");
  const c2rSum = counterSum(hist, "openclaw_manager_create_to_running_seconds_sum");
  log(`create-to-running (metric): mean ${(c2rSum / Math.max(1, c2rCount)).toFixed(1)} s over ${c2rCount} instances`);

  await sleep(3000); // let the watch streams go quiet
  const list = await timeRequests(base, () => "/api/instances", 200);
  const one = await timeRequests(base, () => `/api/instances/${users[Math.floor(Math.random() * N)]}`, 2000);
  const rss = rssMiB(manager.pid!);
  log(`GET /api/instances (${N} instances, ${(list.bytes / 1024).toFixed(0)} KiB): p50 ${list.p50.toFixed(2)} ms, p99 ${list.p99.toFixed(2)} ms (target p99 < 50 ms)`);
  log(`GET /api/instances/:userId: p50 ${one.p50.toFixed(2)} ms, p99 ${one.p99.toFixed(2)} ms (target p99 < 10 ms)`);
  log(`Manager RSS with ${N} instances cached: ${rss.toFixed(0)} MiB (target < 200 MB)`);
  console.log(
    JSON.stringify({
      bench: "manager-k8s",
      instances: N,
      listP50Ms: +list.p50.toFixed(2),
      listP99Ms: +list.p99.toFixed(2),
      getP50Ms: +one.p50.toFixed(2),
      getP99Ms: +one.p99.toFixed(2),
      callsPerCreate: perCreate,
      avgWritesPerCreate: +(applyTotal / N).toFixed(2),
      createsPerSecond: +(N / createSeconds).toFixed(1),
      createToRunningMeanS: +(c2rSum / Math.max(1, c2rCount)).toFixed(2),
      managerRssMiB: Math.round(rss),
    }),
  );
  admin.close();
} finally {
  if (manager && manager.exitCode === null) {
    manager.kill("SIGTERM");
    await new Promise((r) => manager!.once("exit", r));
  }
  await cluster.stop();
}
