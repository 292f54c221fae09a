/**
 * Stages the Docker build context of the App API image in deploy/api/.image/ (guide Step 7.5:
 * `cd deploy/api && npm run build && docker build .`): the compiled dist/, the committed
 * migrations, and the workspace package it imports (@clawbox/shared) referenced as
 * `file:./shared` (npm links it, its real path is outside node_modules, Node 24 strips its types).
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const API = fileURLToPath(new URL("..", import.meta.url));
const SHARED = join(API, "..", "..", "packages", "shared");
const OUT = join(API, ".image");
const notTests = (src: string) => !/\.(int\.|e2e\.)?test\.(ts|js)(\.map)?$/.test(src);

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
cpSync(join(API, "dist"), join(OUT, "dist"), { recursive: true, filter: notTests });
cpSync(join(API, "drizzle"), join(OUT, "drizzle"), { recursive: true });
cpSync(join(SHARED, "src"), join(OUT, "shared", "src"), { recursive: true, filter: notTests });
cpSync(join(SHARED, "package.json"), join(OUT, "shared", "package.json"));

const pkg = JSON.parse(readFileSync(join(API, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies?: unknown;
  scripts?: unknown;
};
pkg.dependencies["@clawbox/shared"] = "file:./shared";
delete pkg.devDependencies;
// In the image the code is already compiled: migrate runs dist/db/migrate.js.
pkg.scripts = { start: "node dist/main.js", migrate: "node dist/db/migrate.js" };
writeFileSync(join(OUT, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
process.stdout.write(`staged the image context in ${OUT}\n`);
