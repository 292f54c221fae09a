/**
 * Stages the Docker build context of the Manager image in deploy/manager/.image/ (guide Step 3:
 * `cd deploy/manager && npm install && npm run build && docker build .`). The context is this
 * directory, so the workspace package it imports (@clawbox/shared) is copied in, and referenced as
 * `file:./shared`: npm links it, its real path is outside node_modules, and Node 24 strips its types.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MANAGER = fileURLToPath(new URL("..", import.meta.url));
const SHARED = join(MANAGER, "..", "..", "packages", "shared");
const OUT = join(MANAGER, ".image");
const notTests = (src: string) => !/\.(int\.|e2e\.)?test\.ts$/.test(src);

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
cpSync(join(MANAGER, "src"), join(OUT, "src"), { recursive: true, filter: notTests });
cpSync(join(SHARED, "src"), join(OUT, "shared", "src"), { recursive: true, filter: notTests });
cpSync(join(SHARED, "package.json"), join(OUT, "shared", "package.json"));

const pkg = JSON.parse(readFileSync(join(MANAGER, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies?: unknown;
  scripts?: unknown;
};
pkg.dependencies["@clawbox/shared"] = "file:./shared";
delete pkg.devDependencies;
pkg.scripts = { start: "node src/index.ts" };
writeFileSync(join(OUT, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
process.stdout.write(`staged the image context in ${OUT}\n`);
