/**
 * Sleeping assistants (issue #14): what a wake costs the user, and how many registered users fit
 * on one machine with sleeping against always-on.
 *
 * Measured here, on real sandboxed gateways through the real Manager (local runtime) with the
 * model stand-in:
 *   - the RSS of an awake instance and what is left of it asleep (its processes: none);
 *   - the first reply from an awake assistant (baseline) against the first reply from a sleeping
 *     one (the message wakes it), as a ratio;
 *   - wake-to-`running` (POST /wake, then polled), p50/p95.
 * Then the density figure: `density/simulate.ts` replays a seeded week of activity (10 % of users
 * active in an hour, 20 % with a daily cron job) on this machine's memory, with the measured awake
 * RSS, at the default idle stop (30m) and at 10m, against always-on; and at 30m with sleep under
 * memory pressure (instances idle 10m sleep early when a wake would exceed the budget), with the
 * share of bursts of messages that met a sleeping assistant (they wait for the wake).
 *   node bench/density.bench.ts        (BENCH_DENSITY_INSTANCES=3)
 * Needs root and the sandbox's Debian packages. Prints plain lines and a final JSON line.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { totalmem, tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, SseParser, type ChatStreamEvent } from "@clawbox/shared";
import { start as startModel } from "../test/standins/model-standin.ts";
import { freePortBase } from "../test/support/ports.ts";
import { loadConfig } from "../deploy/manager/src/config.ts";
import { ManagerMetrics } from "../deploy/manager/src/metrics.ts";
import { LocalRuntime } from "../deploy/manager/src/runtime/local/index.ts";
import { buildServer } from "../deploy/manager/src/server.ts";
import {
  alwaysOnCapacity,
  awakeSlots,
  peakBytesWithSleep,
  percentile,
  simulateDensity,
  sleepingCapacity,
  sleepingCapacityUnderPressure,
  type DensityResult,
  type MachineFigures,
} from "./density/simulate.ts";

const K = Number(process.env.BENCH_DENSITY_INSTANCES ?? 3);
const API_KEY = "bench-density-manager-key";
const MODEL_KEY = "sk-bench-density-key";
const GiB = 1024 ** 3;
const mb = (b: number) => Math.round(b / 1024 / 1024);
const s1 = (ms: number) => Math.round(ms / 100) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;
/** Share of bursts of messages that met a sleeping assistant, in percent. */
const asleepBurstPct = (r: DensityResult) => Math.round((1000 * r.burstsFindingAsleep) / r.bursts) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const model = await startModel({ keys: [MODEL_KEY], chunkDelayMs: 5 });
const dataDir = mkdtempSync(join(tmpdir(), "clawbox-bench-density-"));
const config = loadConfig({
  OPENCLAW_MANAGER_API_KEY: API_KEY,
  CLAWBOX_DATA_DIR: dataDir,
  LOCAL_PORT_BASE: String(await freePortBase(K)),
  CLAWBOX_DESKTOP: "off",
  // The bench decides when instances sleep (POST /sleep), not the idle timer.
  CLAWBOX_IDLE_STOP_AFTER: "0",
  CLAWBOX_WAKE_TIMEOUT: "600s",
});
const logger = createLogger("bench-density", { level: "warn" });
const runtime = new LocalRuntime({ config, logger });
await runtime.start();
const app = await buildServer({ config, runtime, logger, metrics: new ManagerMetrics() });
await app.listen({ port: 0, host: "127.0.0.1" });
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
const auth = { authorization: `Bearer ${API_KEY}` };
const users = Array.from({ length: K }, (_, i) => `density-${i}`);

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers = body === undefined ? auth : { ...auth, "content-type": "application/json" };
  const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function untilPhase(userId: string, phase: string): Promise<void> {
  const deadline = Date.now() + 900_000;
  for (;;) {
    const s = await runtime.get(userId);
    if (s?.phase === phase) return;
    if (s?.phase === "error" || Date.now() > deadline) throw new Error(`${userId} did not reach ${phase}: ${JSON.stringify(s)}`);
    await sleep(200);
  }
}

/** Time from sending a message to the first piece of the reply, and whether it woke the instance. */
async function firstReplyMs(userId: string, message: string): Promise<{ ms: number; woke: boolean }> {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/instances/${userId}/chat`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ message }),
  });
  if (res.status !== 200) throw new Error(`chat ${userId}: HTTP ${res.status} ${await res.text()}`);
  const parser = new SseParser();
  const decoder = new TextDecoder();
  let first: number | undefined;
  let woke = false;
  const events: ChatStreamEvent[] = [];
  for await (const chunk of res.body!) {
    for (const ev of parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }))) {
      events.push(ev);
      if (ev.event === "status") woke = true;
      if (ev.event === "delta" && first === undefined) first = performance.now() - t0;
      if (ev.event === "error") throw new Error(`chat ${userId}: ${JSON.stringify(ev.data)}`);
    }
  }
  if (first === undefined) throw new Error(`chat ${userId}: no reply: ${JSON.stringify(events)}`);
  return { ms: first, woke };
}

async function sleepAll(): Promise<void> {
  for (const u of users) if ((await api("POST", `/api/instances/${u}/sleep`)).status >= 300) throw new Error(`sleep ${u} refused`);
  for (const u of users) await untilPhase(u, "sleeping");
}

try {
  for (const u of users) {
    const r = await api("POST", "/api/instances", {
      userId: u,
      model: { provider: "openai-compatible", model: "standin/echo-1", apiKey: MODEL_KEY, baseUrl: model.baseUrl },
    });
    if (r.status >= 300) throw new Error(`create ${u}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  for (const u of users) await untilPhase(u, "running");
  console.log(`${K} instances running`);

  // The baseline: an awake assistant's first reply (its first message warms the model session).
  const awakeReply: number[] = [];
  for (const u of users) {
    await firstReplyMs(u, "Warm-up message");
    awakeReply.push((await firstReplyMs(u, "What time is it?")).ms);
  }
  await sleep(10_000); // let start-up and first-message peaks settle before reading RSS
  const awakeRss = users.map((u) => runtime.processes(u)?.rssBytes ?? 0);
  console.log(`awake: RSS per instance ${awakeRss.map(mb).join(", ")} MB; first reply ${awakeReply.map(s1).join(", ")} s`);

  await sleepAll();
  const asleepRss = users.map((u) => runtime.processes(u)?.rssBytes ?? 0);
  console.log(`asleep: RSS per instance ${asleepRss.map(mb).join(", ")} MB`);

  // A message to a sleeping assistant: it wakes, then answers.
  const wokenReply: number[] = [];
  for (const u of users) {
    const r = await firstReplyMs(u, "Are you awake?");
    if (!r.woke) throw new Error(`${u}: the chat stream reported no wake`);
    wokenReply.push(r.ms);
  }
  console.log(`asleep: first reply (wakes it) ${wokenReply.map(s1).join(", ")} s`);

  // Wake-to-running, on its own.
  await sleepAll();
  const wake: number[] = [];
  for (const u of users) {
    const t0 = performance.now();
    if ((await api("POST", `/api/instances/${u}/wake`)).status >= 300) throw new Error(`wake ${u} refused`);
    await untilPhase(u, "running");
    wake.push(performance.now() - t0);
  }
  console.log(`wake-to-running ${wake.map(s1).join(", ")} s`);

  const awakeBytes = percentile(awakeRss, 50);
  // What an asleep user still holds on this machine: its processes' RSS (none once stopped).
  const asleepBytes = percentile(asleepRss, 50);
  // Keep 2 GiB for the platform itself (Manager, App API, database).
  const machine: MachineFigures = { budgetBytes: totalmem() - 2 * GiB, awakeBytes, asleepBytes };
  const mix = { activeHourShare: 0.1, cronUserShare: 0.2, cronLeadMinutes: 2, alwaysAwakeShare: 0, days: 7, seed: 14 };
  const alwaysOn = alwaysOnCapacity(machine);
  const at30 = sleepingCapacity({ ...mix, idleStopMinutes: 30 }, machine);
  const at10 = sleepingCapacity({ ...mix, idleStopMinutes: 10 }, machine);
  const peak30 = peakBytesWithSleep({ ...mix, idleStopMinutes: 30, users: at30 }, machine);
  const peak10 = peakBytesWithSleep({ ...mix, idleStopMinutes: 10, users: at10 }, machine);
  // Sleep under memory pressure at the Manager's defaults (idle stop 30m, early sleep once idle 10m).
  const pressureIdle = 10;
  const underPressure = sleepingCapacityUnderPressure({ ...mix, idleStopMinutes: 30 }, machine, pressureIdle);
  const pressure = simulateDensity({
    ...mix,
    idleStopMinutes: 30,
    users: underPressure,
    awakeSlots: awakeSlots(underPressure, machine),
    pressureIdleMinutes: pressureIdle,
  });
  const summary = {
    instances: K,
    awakeRssMb: mb(awakeBytes),
    asleepRssMb: mb(asleepBytes),
    awakeFirstReplyS: s1(percentile(awakeReply, 50)),
    wokenFirstReplyS: s1(percentile(wokenReply, 50)),
    wokenVsAwakeFirstReply: r2(percentile(wokenReply, 50) / percentile(awakeReply, 50)),
    wakeToRunningP50S: s1(percentile(wake, 50)),
    wakeToRunningP95S: s1(percentile(wake, 95)),
    budgetGb: r2(machine.budgetBytes / GiB),
    alwaysOnUsers: alwaysOn,
    sleepingUsersIdle30m: at30,
    sleepingUsersIdle10m: at10,
    densityRatioIdle30m: r2(at30 / alwaysOn),
    densityRatioIdle10m: r2(at10 / alwaysOn),
    peakAwakeIdle30m: peak30.result.peakAwake,
    meanAwakeIdle30m: r2(peak30.result.meanAwake),
    peakMemGbSleepingIdle30m: r2(peak30.peakBytes / GiB),
    peakMemGbAlwaysOnSameUsers: r2((at30 * awakeBytes) / GiB),
    asleepBurstPctIdle30m: asleepBurstPct(peak30.result),
    asleepBurstPctIdle10m: asleepBurstPct(peak10.result),
    pressureUsersIdle30m: underPressure,
    densityRatioPressureIdle30m: r2(underPressure / alwaysOn),
    peakAwakePressureIdle30m: pressure.peakAwake,
    meanAwakePressureIdle30m: r2(pressure.meanAwake),
    pressureSleepsPerUserDay: r2(pressure.pressureSleeps / (underPressure * mix.days)),
    asleepBurstPctPressureIdle30m: asleepBurstPct(pressure),
  };
  console.log(`first reply: asleep ${summary.wokenFirstReplyS} s against awake ${summary.awakeFirstReplyS} s (x${summary.wokenVsAwakeFirstReply})`);
  console.log(`wake-to-running: p50 ${summary.wakeToRunningP50S} s, p95 ${summary.wakeToRunningP95S} s (target under 10 s)`);
  console.log(
    `density on ${summary.budgetGb} GiB for instances, 10 % of users active an hour: always-on ${alwaysOn} users; ` +
      `sleeping ${at30} users at idle stop 30m (x${summary.densityRatioIdle30m}), ${at10} at 10m (x${summary.densityRatioIdle10m}); target x10`,
  );
  console.log(
    `${at30} users, idle stop 30m: peak ${summary.peakAwakeIdle30m} awake (mean ${summary.meanAwakeIdle30m}), ` +
      `peak memory ${summary.peakMemGbSleepingIdle30m} GiB with sleeping against ${summary.peakMemGbAlwaysOnSameUsers} GiB always-on`,
  );
  console.log(
    `sleep under memory pressure (idle stop 30m, early sleep once idle ${pressureIdle}m): ${underPressure} users ` +
      `(x${summary.densityRatioPressureIdle30m}), peak ${pressure.peakAwake} awake (mean ${summary.meanAwakePressureIdle30m}), ` +
      `${summary.pressureSleepsPerUserDay} early sleeps per user a day`,
  );
  console.log(
    `bursts of messages meeting a sleeping assistant: ${summary.asleepBurstPctPressureIdle30m} % under pressure, ` +
      `${summary.asleepBurstPctIdle30m} % at idle stop 30m, ${summary.asleepBurstPctIdle10m} % at 10m`,
  );
  console.log(JSON.stringify({ bench: "density", ...summary }));
} finally {
  await app.close();
  for (const u of users) await runtime.delete(u, { preservePvc: false }).catch(() => undefined);
  await runtime.stop();
  await model.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
