// npm test's vitest part, as two lanes run at once (README.md, "Tests"):
//  - "cluster": the unit project, then every integration file that uses a shared dependency
//    (the test cluster, PostgreSQL), one file at a time: they share one namespace. Then the
//    real-node project (real pods, its own cluster with a real node).
//  - "gateways": the integration files that start their own real gateways on the local runtime,
//    one file at a time.
// Each step is its own vitest run, so each keeps its one-file-at-a-time rule while the other
// lane uses the second core: a gateway start keeps one core busy for most of its time, and the
// gateways lane is the longer one. Every output line is prefixed with its lane; every step runs
// even when an earlier one failed, and the exit code is non-zero if any step failed.
//   node scripts/test-lanes.ts                      unit, cluster, real | gateways
//   node scripts/test-lanes.ts --integration-only   cluster | gateways
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

interface Step {
  projects: string[];
  env?: Record<string, string>;
}
interface Lane {
  name: string;
  steps: Step[];
}

const integrationOnly = process.argv.includes("--integration-only");
const lanes: Lane[] = [
  {
    name: "cluster",
    steps: integrationOnly
      ? [{ projects: ["cluster"] }]
      : [{ projects: ["unit", "cluster"] }, { projects: ["real"], env: { CLAWBOX_REAL_NODE: "1" } }],
  },
  { name: "gateways", steps: [{ projects: ["gateways"] }] },
];

const vitest = new URL("../node_modules/vitest/vitest.mjs", import.meta.url).pathname;
const width = Math.max(...lanes.map((l) => l.name.length));

function runStep(lane: Lane, step: Step): Promise<number> {
  const args = ["run", ...step.projects.flatMap((p) => ["--project", p])];
  const child = spawn(process.execPath, [vitest, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...step.env } });
  const prefix = `[${lane.name.padEnd(width)}] `;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => process.stdout.write(prefix + line + "\n"));
  }
  return new Promise((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

async function runLane(lane: Lane): Promise<string[]> {
  const report: string[] = [];
  for (const step of lane.steps) {
    const started = Date.now();
    const code = await runStep(lane, step);
    const seconds = Math.round((Date.now() - started) / 1000);
    report.push(`lane ${lane.name}, ${step.projects.join(" + ")}: ${code === 0 ? "passed" : `FAILED (exit ${code})`} in ${seconds} s`);
  }
  return report;
}

// Ctrl-C reaches every vitest run through the process group; let them finish their teardown.
process.on("SIGINT", () => undefined);

const reports = (await Promise.all(lanes.map(runLane))).flat();
for (const line of reports) console.log(line);
process.exit(reports.some((l) => l.includes("FAILED")) ? 1 : 0);
