/**
 * Which integration files go where (vitest.config.ts's "cluster" and "gateways" projects, and
 * scripts/test-lanes.ts, which runs them in two lanes at once). A file that calls vitest's
 * `inject("...")` uses a global setup's shared dependency (the test cluster, PostgreSQL): it
 * belongs to "cluster", whose files run one at a time in one vitest run. Every other file starts
 * its own real gateways: "gateways", one vitest run per file, taken by whichever lane is free.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const SKIPPED = new Set(["node_modules", "dist", ".data", ".git", "test-results"]);

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (SKIPPED.has(e.name) ? [] : testFiles(join(dir, e.name))) : [join(dir, e.name)],
  );
}

const integrationFiles = testFiles(ROOT)
  .filter((f) => /\.(int|e2e)\.test\.ts$/.test(f))
  .map((f) => relative(ROOT, f))
  .sort();
// vitest's inject("name"), not Fastify's app.inject({...}).
const usesSharedSetup = (file: string) => /(^|[^.\w])inject\(\s*["']/m.test(readFileSync(join(ROOT, file), "utf8"));

/** Repo-relative paths. */
export const clusterFiles = integrationFiles.filter(usesSharedSetup);
export const gatewayFiles = integrationFiles.filter((f) => !usesSharedSetup(f));
