// `npm run bench`: runs every bench/*.bench.ts one after another (they share 2 cores),
// streams their output, and ends with a summary of which ran and which failed.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

const dir = new URL(".", import.meta.url).pathname;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const results: { file: string; status: number | null; seconds: number }[] = [];
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [`${dir}${file}`], { stdio: "inherit", env: process.env });
  results.push({ file, status: r.status, seconds: Math.round((performance.now() - t0) / 100) / 10 });
}
console.log("\n=== summary ===");
for (const r of results) console.log(`${r.status === 0 ? "ok    " : "FAILED"} ${r.file} (${r.seconds} s)`);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
