// npm test's vitest part, as two lanes run at once (README.md, "Tests"; test/lanes.ts says which
// file goes where):
//  - lane "cluster": the unit project, then the "cluster" project (the integration files that use
//    the test cluster or PostgreSQL, one at a time: they share one namespace), then the real-node
//    project (its own cluster with a real node);
//  - lane "gateways": the gateway files (each starts its own real gateways), one vitest run per
//    file, taken from one queue. When the cluster lane is done with its own projects it takes
//    gateway files from the same queue, so both cores stay busy to the end.
// A gateway start keeps one core busy for most of its time, so two gateway files at once use both
// cores; two cluster files at once would share one namespace, so they never run together.
// Every output line is prefixed with its lane. Every step runs even after a failure; the exit code
// is non-zero if any step failed, and the last lines list every step with its result.
//   node scripts/test-lanes.ts                      all of the above
//   node scripts/test-lanes.ts --integration-only   without unit and real
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { failureSummary } from "../test/failure-summary.ts";
import { gatewayFiles } from "../test/lanes.ts";

interface Step {
  label: string;
  args: string[];
  env?: Record<string, string>;
}

const integrationOnly = process.argv.includes("--integration-only");
const clusterSteps: Step[] = integrationOnly
  ? [{ label: "cluster", args: ["--project", "cluster"] }]
  : [
      { label: "unit + cluster", args: ["--project", "unit", "--project", "cluster"] },
      { label: "real", args: ["--project", "real"], env: { CLAWBOX_REAL_NODE: "1" } },
    ];
// The whole-platform files under test/ (npm start, a browser, several assistants) are the longest:
// they go first, so the last file a lane takes is a short one.
const longFirst = [...gatewayFiles.filter((f) => f.startsWith("test/")), ...gatewayFiles.filter((f) => !f.startsWith("test/"))];
const queue: Step[] = longFirst.map((f) => ({ label: f, args: ["--project", "gateways", f] }));

const vitest = new URL("../node_modules/vitest/vitest.mjs", import.meta.url).pathname;
const LANES = ["cluster", "gateways"];
const width = Math.max(...LANES.map((l) => l.length));
const results: string[] = [];
const failures: string[] = [];
const reports = mkdtempSync(join(tmpdir(), "clawbox-test-reports-"));
const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
let reportSeq = 0;
const running = new Set<ReturnType<typeof spawn>>();
let stopping = false;

function run(lane: string, step: Step): Promise<void> {
  const started = Date.now();
  const report = join(reports, `${++reportSeq}.json`);
  const reporters = ["--reporter=default", "--reporter=json", `--outputFile.json=${report}`];
  const child = spawn(process.execPath, [vitest, "run", ...reporters, ...step.args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...step.env } });
  running.add(child);
  const prefix = `[${lane.padEnd(width)}] `;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => process.stdout.write(prefix + line + "\n"));
  }
  return new Promise((resolve) =>
    child.on("close", (code, signal) => {
      running.delete(child);
      const status = code === 0 ? "passed" : `FAILED (${signal ?? `exit ${code}`})`;
      results.push(`${lane.padEnd(width)}  ${status.padEnd(16)} ${String(Math.round((Date.now() - started) / 1000)).padStart(5)} s  ${step.label}`);
      if (code !== 0) failures.push(`  ${step.label}:`, ...failureSummary(report, root));
      resolve();
    }),
  );
}

async function drainQueue(lane: string): Promise<void> {
  for (let step = queue.shift(); step && !stopping; step = queue.shift()) await run(lane, step);
}

// Ctrl-C (or a SIGINT/SIGTERM to this script alone): start nothing more, pass the signal on to the
// vitest runs (a terminal's Ctrl-C already reached them) and let them finish their teardown, which
// stops the clusters and gateways they started.
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    stopping = true;
    for (const child of running) child.kill("SIGINT");
  });
}

const t0 = Date.now();
await Promise.all([
  (async () => {
    for (const step of clusterSteps) if (!stopping) await run("cluster", step);
    await drainQueue("cluster");
  })(),
  drainQueue("gateways"),
]);
rmSync(reports, { recursive: true, force: true });
if (failures.length) console.log(`\nwhat failed:\n${failures.join("\n")}`);
console.log(`\nlanes done in ${Math.round((Date.now() - t0) / 1000)} s:`);
for (const line of results) console.log(line);
process.exit(stopping || results.some((l) => l.includes("FAILED")) ? 1 : 0);
