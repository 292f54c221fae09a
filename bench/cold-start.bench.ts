/**
 * Cold start of a local instance (issue #14 part 3, docs/cold-start.md): create-to-`running` and
 * restart-to-`running` for each LOCAL_COMPILE_CACHE mode, all measured in this run, rotating, as
 * ratios against "off" (no compile cache): "volume" (the default: the cache on the state dir) and
 * "warm" (also a cache warmed once per data root for new instances); and where the time goes,
 * step by step, from OpenClaw's own start-up trace. In the default mode it also restarts the same
 * instance with the WhatsApp plugin loaded, as every instance had it before it loaded on first use
 * (deploy/manager/src/gateway/whatsapp-plugin.ts): that restart is the "before" of that change.
 *   node bench/cold-start.bench.ts          (BENCH_COLD_RUNS=2 per mode; BENCH_PORT_BASE: a free one)
 * Needs root and the sandbox's Debian packages (as `npm start`). Wall times on a shared machine
 * swing with its load; the CPU seconds of the instance's processes swing much less.
 * Prints plain lines and a final JSON line.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLogger } from "@clawbox/shared";
import { loadConfig } from "../deploy/manager/src/config.ts";
import { LocalRuntime } from "../deploy/manager/src/runtime/local/index.ts";
import { WhatsAppSeed } from "../deploy/manager/src/runtime/local/whatsapp-seed.ts";
import { freePortBase } from "../test/support/ports.ts";
import { gatewaySteps, type Steps } from "./startup-trace.ts";
import { untilRunning } from "./until-running.ts";

const REPO = fileURLToPath(new URL("../", import.meta.url));
const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 2);
// Below the ephemeral range and free now (other sessions run instances and clusters here too): a
// block per instance, RUNS instances per mode.
const PORT_BASE = Number(process.env.BENCH_PORT_BASE ?? (await freePortBase(RUNS * 3)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const r2 = (x: number) => Math.round(x * 100) / 100;
const CLK_TCK = 100;

// OpenClaw's documented start-up trace, in every gateway's log (passed through by process-env.ts).
process.env.OPENCLAW_GATEWAY_STARTUP_TRACE = "1";

const MODES = ["off", "volume", "warm"] as const;
type Mode = (typeof MODES)[number];
type Kind = "create" | "restart" | "restartWhatsApp";
interface Sample {
  wallMs: number;
  cpuMs: number;
  steps: Steps;
}

async function open(mode: Mode) {
  const dataDir = join(REPO, ".data", `bench-cold-${mode}`);
  const config = loadConfig({
    OPENCLAW_MANAGER_API_KEY: "bench-cold-key",
    CLAWBOX_DATA_DIR: dataDir,
    LOCAL_PORT_BASE: String(PORT_BASE + MODES.indexOf(mode) * RUNS * 200),
    LOCAL_STOP_GRACE_MS: "15000",
    CLAWBOX_DESKTOP: "off",
    LOCAL_COMPILE_CACHE: mode,
  });
  const runtime = new LocalRuntime({ config, logger: createLogger(`bench-cold-${mode}`, { level: "warn" }) });
  await runtime.start();
  // The one-time seed build of a new data root (and its compile-cache warm-up) is not part of a create.
  const seed = new WhatsAppSeed(dataDir, { compileCache: mode === "warm" });
  for (let i = 0; !(seed.ready && (seed.compileCache?.ready ?? true)) && i < 900; i++) await sleep(1000);
  if (!seed.ready) throw new Error(`${mode}: the WhatsApp seed was not built`);
  return { mode, runtime, dataDir };
}

/** utime+stime (+ reaped children) of every process of the instance, in ms. */
function cpuMs(runtime: LocalRuntime, userId: string): number {
  let ticks = 0;
  for (const pid of runtime.processes(userId)?.pids ?? []) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      /* gone */
    }
  }
  return (ticks * 1000) / CLK_TCK;
}

async function timed(rt: Awaited<ReturnType<typeof open>>, userId: string, label: string, start: () => Promise<unknown>): Promise<Sample> {
  const t0 = performance.now();
  const wall0 = Date.now();
  await start();
  await untilRunning(rt.runtime, userId, t0);
  const wallMs = performance.now() - t0;
  const log = readFileSync(rt.runtime.layout(userId)!.gatewayLog, "utf8");
  const sample = { wallMs, cpuMs: cpuMs(rt.runtime, userId), steps: gatewaySteps(log, wall0, wall0 + wallMs) };
  console.log(`${rt.mode}: ${label} ${Math.round(wallMs)} ms, instance CPU ${r2(sample.cpuMs / 1000)} s`);
  await sleep(5_000); // the post-ready sidecars settle before the next step
  return sample;
}

async function restartNow(rt: Awaited<ReturnType<typeof open>>, userId: string) {
  await rt.runtime.restart(userId);
  while ((await rt.runtime.get(userId))?.phase === "running") await sleep(50);
}

/** The plugin on in the instance's own config, written while it sleeps, as the first QR request does. */
async function loadWhatsApp(rt: Awaited<ReturnType<typeof open>>, userId: string) {
  await rt.runtime.sleep(userId, { since: new Date().toISOString() });
  const file = rt.runtime.layout(userId)!.configFile;
  const config = JSON.parse(readFileSync(file, "utf8"));
  config.plugins = { ...config.plugins, entries: { ...config.plugins?.entries, whatsapp: { enabled: true } } };
  writeFileSync(file, JSON.stringify(config, null, 2));
  await rt.runtime.wake(userId);
  // This first start after a config change also re-runs OpenClaw's state migrations: not measured.
  await untilRunning(rt.runtime, userId, performance.now());
  await sleep(5_000);
}

async function measure(rt: Awaited<ReturnType<typeof open>>, run: number): Promise<Partial<Record<Kind, Sample>>> {
  const userId = `bench-cold-${rt.mode}-${run}`;
  await rt.runtime.delete(userId, { preservePvc: false });
  const out: Partial<Record<Kind, Sample>> = {};
  out.create = await timed(rt, userId, `run ${run + 1}: create-to-running`, () => rt.runtime.create({ userId }));
  out.restart = await timed(rt, userId, `run ${run + 1}: restart-to-running`, () => restartNow(rt, userId));
  if (rt.mode === "volume") {
    await loadWhatsApp(rt, userId);
    out.restartWhatsApp = await timed(rt, userId, `run ${run + 1}: restart-to-running, WhatsApp plugin loaded`, () => restartNow(rt, userId));
  }
  await rt.runtime.delete(userId, { preservePvc: false });
  return out;
}

const modes = [];
for (const m of MODES) modes.push(await open(m));
const samples = Object.fromEntries(MODES.map((m) => [m, { create: [], restart: [], restartWhatsApp: [] }])) as unknown as Record<Mode, Record<Kind, Sample[]>>;
try {
  for (let i = 0; i < RUNS; i++) {
    // Rotate the order so that a drift in the machine's load hits every mode alike.
    for (const rt of [...modes.slice(i % modes.length), ...modes.slice(0, i % modes.length)]) {
      const m = await measure(rt, i);
      for (const kind of Object.keys(m) as Kind[]) samples[rt.mode][kind].push(m[kind]!);
    }
  }
} finally {
  for (const rt of modes) {
    await rt.runtime.stopAll();
    rmSync(join(rt.dataDir, "instances"), { recursive: true, force: true });
  }
}

/** Median of each step over the samples, printed with its share of the median total. */
function printSteps(label: string, list: Sample[]): Steps {
  const names = Object.keys(list[0]!.steps);
  const steps = Object.fromEntries(names.map((n) => [n, Math.round(median(list.map((s) => s.steps[n] ?? 0)))]));
  const total = median(list.map((s) => s.wallMs));
  console.log(`  steps, ${label} (median ms, share of the total):`);
  for (const [n, ms] of Object.entries(steps)) console.log(`    ${n.padEnd(44)} ${String(ms).padStart(6)}  ${String(Math.round((ms / total) * 100)).padStart(3)}%`);
  return steps;
}

const fig = (list: Sample[]) => ({ wallMs: Math.round(median(list.map((s) => s.wallMs))), cpuMs: Math.round(median(list.map((s) => s.cpuMs))) });
const summary: Record<string, unknown> = {};
for (const kind of ["create", "restart"] as const) {
  const off = fig(samples.off[kind]);
  const out: Record<string, unknown> = { off };
  for (const mode of ["volume", "warm"] as const) {
    const f = fig(samples[mode][kind]);
    out[mode] = { ...f, ratio: { wall: r2(f.wallMs / off.wallMs), cpu: r2(f.cpuMs / off.cpuMs) } };
    console.log(
      `${kind}-to-running, cache ${mode}: ${f.wallMs} ms vs ${off.wallMs} ms without a cache (x${r2(f.wallMs / off.wallMs)}); ` +
        `instance CPU ${r2(f.cpuMs / 1000)} s vs ${r2(off.cpuMs / 1000)} s (x${r2(f.cpuMs / off.cpuMs)})`,
    );
  }
  for (const mode of MODES) out[`steps_${mode}`] = printSteps(`${kind}, cache ${mode}`, samples[mode][kind]);
  summary[kind] = out;
}
// The WhatsApp plugin on first use: the default mode's restart without it (after) against the
// same instance's restart with it loaded (before), from the same runs.
const after = fig(samples.volume.restart);
const before = fig(samples.volume.restartWhatsApp);
console.log(
  `restart-to-running, WhatsApp plugin on first use: ${after.wallMs} ms vs ${before.wallMs} ms loaded at every start (x${r2(after.wallMs / before.wallMs)}); ` +
    `instance CPU ${r2(after.cpuMs / 1000)} s vs ${r2(before.cpuMs / 1000)} s (x${r2(after.cpuMs / before.cpuMs)})`,
);
summary.whatsappOnFirstUse = {
  restartAfter: after,
  restartBefore: before,
  ratio: { wall: r2(after.wallMs / before.wallMs), cpu: r2(after.cpuMs / before.cpuMs) },
  steps_before: printSteps("restart, cache volume, WhatsApp plugin loaded (before)", samples.volume.restartWhatsApp),
};
console.log(JSON.stringify({ bench: "cold-start", runs: RUNS, ...summary }));
process.exit(0);
