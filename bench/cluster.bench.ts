// node bench/cluster.bench.ts [--runs N]
// Figures for the test cluster: the cold build time recorded when the binaries were built, the
// warm start time to ready (target < 30 s), and the memory (sum of VmRSS) of the running cluster.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { coldBuild, ensureBinaries, ensureTools, readBuildHistory } from "../test/cluster/build.ts";
import { startCluster } from "../test/cluster/cluster.ts";
import { binDir, toolsDir } from "../test/cluster/paths.ts";

function du(dir: string): string {
  const r = spawnSync("du", ["-sh", dir], { encoding: "utf8" });
  return r.status === 0 ? (r.stdout.split("\t")[0] ?? "?") : "?";
}

function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Math.max(1, Number(process.argv[runsArg + 1])) : 1;
const quiet = () => undefined;

await ensureTools();
await ensureBinaries();
const cold = coldBuild();
const last = readBuildHistory().at(-1);
console.log(`binaries: ${binDir()}`);
console.log(
  cold
    ? `cold build time: ${(cold.seconds / 60).toFixed(1)} min (${cold.at}, ${cold.compiledPackages}/${cold.totalPackages} packages compiled, ${cold.goVersion}${cold.note ? `; ${cold.note}` : ""})`
    : "cold build time: unknown (these binaries were built with a warm Go cache)",
);
if (last) console.log(`last build: ${last.seconds} s (${last.compiledPackages}/${last.totalPackages} packages compiled)`);
const gocache = spawnSync(process.env.GO ?? "go", ["env", "GOCACHE"], { encoding: "utf8" }).stdout?.trim();
const gomodcache = spawnSync(process.env.GO ?? "go", ["env", "GOMODCACHE"], { encoding: "utf8" }).stdout?.trim();
console.log(
  `disk: binaries ${du(binDir())}, helm+kubectl ${du(toolsDir())}, Go build cache ${gocache ? du(gocache) : "?"} (shared), Go modules ${gomodcache ? du(gomodcache) : "?"} (shared)`,
);

const starts: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const c = await startCluster({ log: quiet });
  const s = (performance.now() - t0) / 1000;
  starts.push(s);
  console.log(`warm start to ready #${i + 1}: ${s.toFixed(1)} s (target < 30 s)`);
  if (i === runs - 1) {
    await sleep(5000); // let the controllers settle
    let total = 0;
    const parts: string[] = [];
    for (const name of ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"] as const) {
      const kib = rssKiB(c.pids[name] ?? 0);
      total += kib;
      parts.push(`${name} ${(kib / 1024).toFixed(0)}`);
    }
    console.log(`memory (VmRSS) of the running cluster: ${(total / 1024).toFixed(0)} MiB (${parts.join(", ")} MiB)`);
  }
  await c.stop();
}
if (runs > 1) {
  const sorted = [...starts].sort((a, b) => a - b);
  console.log(`warm start median of ${runs}: ${sorted[Math.floor(runs / 2)].toFixed(1)} s`);
}
