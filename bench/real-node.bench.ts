// node bench/real-node.bench.ts [--instances N]
// Create-to-running of instances on the test cluster's REAL node (containerd + runc, the gateway
// image built here from Dockerfile.gke), through the real Manager, N (default 2) one after another,
// against the same number of creates on the local runtime (sandboxed processes) in the same run, as
// a ratio. Needs root; the first run builds the node's binaries and the images (cached by content
// hash in ~/.cache/clawbox).
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLogger } from "@clawbox/shared";
import { loadConfig } from "../deploy/manager/src/config.ts";
import { LocalRuntime } from "../deploy/manager/src/runtime/local/index.ts";
import { WhatsAppSeed } from "../deploy/manager/src/runtime/local/whatsapp-seed.ts";
import { freePortBase } from "../test/support/ports.ts";
import { startCluster } from "../test/cluster/cluster.ts";
import { untilRunning } from "./until-running.ts";
import { API_KEY } from "../deploy/manager/test/harness.ts";
import { startRealPodEnv } from "../deploy/manager/test/real-node-env.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg("--instances", 2);
const auth = { authorization: `Bearer ${API_KEY}` };
const quiet = () => undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The baseline: N creates on the local runtime, in seconds each, its one-time WhatsApp seed excluded. */
async function localCreates(n: number): Promise<number[]> {
  const dataDir = join(fileURLToPath(new URL("../", import.meta.url)), ".data", "bench-real-node-local");
  const config = loadConfig({ OPENCLAW_MANAGER_API_KEY: "bench-real-node-key", CLAWBOX_DATA_DIR: dataDir, LOCAL_PORT_BASE: String(await freePortBase(n)) });
  const runtime = new LocalRuntime({ config, logger: createLogger("bench-real-node-local", { level: "warn" }) });
  await runtime.start();
  try {
    const seed = new WhatsAppSeed(dataDir);
    for (let i = 0; !seed.ready && i < 900; i++) await sleep(1000);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const userId = `bench-local-${i}`;
      await runtime.delete(userId, { preservePvc: false });
      const start = performance.now();
      await runtime.create({ userId });
      await untilRunning(runtime, userId, start);
      out.push((performance.now() - start) / 1000);
      console.log(`create -> running (local runtime, instance ${i + 1}/${n}): ${out.at(-1)!.toFixed(1)} s`);
      await runtime.delete(userId, { preservePvc: false });
    }
    return out;
  } finally {
    await runtime.stopAll();
    rmSync(join(dataDir, "instances"), { recursive: true, force: true });
  }
}

const cluster = await startCluster({ log: quiet });
const t0 = performance.now();
const env = await startRealPodEnv(cluster, (line) => console.log(`  ${line}`));
try {
  console.log(`real node Ready in ${env.node.readySeconds.toFixed(1)} s (warm start; setup with images ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const seconds: number[] = [];
  for (let i = 0; i < N; i++) {
    const userId = `bench-real-${i}`;
    await env.provisionVolume(userId);
    const start = performance.now();
    const res = await env.manager.app.inject({ method: "POST", url: "/api/instances", headers: auth, payload: { userId } });
    if (res.statusCode !== 201) throw new Error(`create ${userId} -> ${res.statusCode} ${res.body}`);
    for (;;) {
      const s = (await env.manager.app.inject({ method: "GET", url: `/api/instances/${userId}`, headers: auth })).json() as { phase: string; message?: string };
      if (s.phase === "running") break;
      if (s.phase === "error") throw new Error(`${userId}: ${s.message}`);
      if (performance.now() - start > 600_000) throw new Error(`${userId} not running after 10 min`);
      await new Promise((r) => setTimeout(r, 500));
    }
    seconds.push((performance.now() - start) / 1000);
    console.log(`create -> running (real node, instance ${i + 1}/${N}): ${seconds.at(-1)!.toFixed(1)} s`);
    await env.manager.app.inject({ method: "DELETE", url: `/api/instances/${userId}?preservePvc=false`, headers: auth });
  }
  const local = await localCreates(N);
  const ratio = mean(seconds) / mean(local);
  console.log(
    `create -> running: real node mean ${mean(seconds).toFixed(1)} s against local runtime ${mean(local).toFixed(1)} s over ${N} each (x${ratio.toFixed(2)})`,
  );
  console.log(JSON.stringify({ bench: "real-node", instances: N, realNodeS: seconds.map((x) => Math.round(x * 10) / 10), localS: local.map((x) => Math.round(x * 10) / 10), ratio: Math.round(ratio * 100) / 100 }));
} finally {
  await env.close();
  await cluster.stop();
}
