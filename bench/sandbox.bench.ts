/**
 * What the local runtime's instance sandbox costs (issue #15): create-to-`running` and RSS of one
 * instance (sum of its processes), with the sandbox (bwrap, own uid, cgroup, port rules) and
 * without it (CLAWBOX_UNSAFE_NO_SANDBOX=1), one instance at a time, as ratios.
 *   node bench/sandbox.bench.ts          (BENCH_SANDBOX_RUNS=3 per mode)
 * Needs root and the sandbox's Debian packages. Prints plain lines and a final JSON line.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLogger } from "@clawbox/shared";
import { loadConfig } from "../deploy/manager/src/config.ts";
import { LocalRuntime } from "../deploy/manager/src/runtime/local/index.ts";
import { WhatsAppSeed } from "../deploy/manager/src/runtime/local/whatsapp-seed.ts";
import { untilRunning } from "./until-running.ts";

const REPO = fileURLToPath(new URL("../", import.meta.url));
const RUNS = Number(process.env.BENCH_SANDBOX_RUNS ?? 3);
const PORT_BASE = Number(process.env.BENCH_PORT_BASE ?? 36000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => Math.round(b / 1024 / 1024);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const r2 = (x: number) => Math.round(x * 100) / 100;

async function measure(mode: "sandbox" | "none"): Promise<{ createToRunningMs: number[]; rssBytes: number[] }> {
  const dataDir = join(REPO, ".data", `bench-sandbox-${mode}`);
  const config = loadConfig({
    OPENCLAW_MANAGER_API_KEY: "bench-sandbox-key",
    CLAWBOX_DATA_DIR: dataDir,
    LOCAL_PORT_BASE: String(mode === "sandbox" ? PORT_BASE : PORT_BASE + 2000),
    LOCAL_STOP_GRACE_MS: "10000",
    ...(mode === "none" ? { CLAWBOX_UNSAFE_NO_SANDBOX: "1" } : {}),
  });
  const runtime = new LocalRuntime({ config, logger: createLogger("bench-sandbox", { level: "warn" }) });
  await runtime.start();
  // The one-time WhatsApp seed build of a new data root is not part of a create: wait it out.
  const seed = new WhatsAppSeed(dataDir);
  for (let i = 0; !seed.ready && i < 600; i++) await sleep(1000);
  const out = { createToRunningMs: [] as number[], rssBytes: [] as number[] };
  try {
    for (let i = 0; i < RUNS; i++) {
      const userId = `bench-${mode}-${i}`;
      await runtime.delete(userId, { preservePvc: false });
      const t0 = performance.now();
      await runtime.create({ userId });
      await untilRunning(runtime, userId, t0);
      const ms = performance.now() - t0;
      await sleep(10_000); // let the start-up peak settle
      const rss = runtime.processes(userId)!.rssBytes;
      out.createToRunningMs.push(ms);
      out.rssBytes.push(rss);
      console.log(`${mode}: run ${i + 1}: create-to-running ${Math.round(ms)} ms, RSS ${mb(rss)} MB`);
      await runtime.delete(userId, { preservePvc: false });
    }
  } finally {
    await runtime.stopAll();
    // The seed stays for the next run; the instances go.
    rmSync(join(dataDir, "instances"), { recursive: true, force: true });
  }
  return out;
}

const none = await measure("none");
const sandbox = await measure("sandbox");
const results = {
  createToRunningMs: { sandbox: Math.round(median(sandbox.createToRunningMs)), none: Math.round(median(none.createToRunningMs)) },
  rssMB: { sandbox: mb(median(sandbox.rssBytes)), none: mb(median(none.rssBytes)) },
  ratio: {
    createToRunning: r2(median(sandbox.createToRunningMs) / median(none.createToRunningMs)),
    rss: r2(median(sandbox.rssBytes) / median(none.rssBytes)),
  },
};
console.log(
  `sandbox cost: create-to-running ${results.createToRunningMs.sandbox} ms vs ${results.createToRunningMs.none} ms unsandboxed (x${results.ratio.createToRunning}); ` +
    `RSS per instance ${results.rssMB.sandbox} MB vs ${results.rssMB.none} MB (x${results.ratio.rss})`,
);
console.log(JSON.stringify({ bench: "sandbox", ...results }));
process.exit(0);
