// npm test's vitest part, as two lanes run at once (README.md, "Tests"):
//  - "cluster": the unit project, then every integration file that uses a shared dependency
//    (the test cluster, PostgreSQL), one file at a time: they share one namespace.
//  - "gateways": the integration files that start their own real gateways on the local runtime,
//    one file at a time.
// Each lane is its own vitest run, so each keeps its one-file-at-a-time rule while the other
// lane uses the second core; a gateway start spends most of its time on one core.
// Every output line is prefixed with its lane; the exit code is non-zero if either lane fails.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

interface Lane {
  name: string;
  args: string[];
}

const lanes: Lane[] = [
  { name: "cluster", args: ["run", "--project", "unit", "--project", "cluster"] },
  { name: "gateways", args: ["run", "--project", "gateways"] },
];
// `npm run test:integration`: the same lanes without the unit project.
if (process.argv.includes("--integration-only")) lanes[0]!.args = ["run", "--project", "cluster"];

const vitest = new URL("../node_modules/vitest/vitest.mjs", import.meta.url).pathname;
const width = Math.max(...lanes.map((l) => l.name.length));

function run(lane: Lane): Promise<{ lane: string; code: number; seconds: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [vitest, ...lane.args], { stdio: ["ignore", "pipe", "pipe"], env: process.env });
  const prefix = `[${lane.name.padEnd(width)}] `;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => process.stdout.write(prefix + line + "\n"));
  }
  return new Promise((resolve) => {
    child.on("close", (code, signal) => resolve({ lane: lane.name, code: code ?? (signal ? 1 : 0), seconds: Math.round((Date.now() - started) / 1000) }));
  });
}

// Ctrl-C reaches both vitest runs through the process group; wait for them to finish.
process.on("SIGINT", () => undefined);

const results = await Promise.all(lanes.map(run));
for (const r of results) console.log(`lane ${r.lane}: ${r.code === 0 ? "passed" : `FAILED (exit ${r.code})`} in ${r.seconds} s`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
