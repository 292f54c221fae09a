/**
 * Builds the agent as plain JavaScript into deploy/agent/dist/ (or the dir given as argv[2]):
 * Node's own type stripping (node:module stripTypeScriptTypes) applied ahead of time, with the
 * few @clawbox/shared modules the agent uses copied next to it.
 *
 * Why: at run time, type stripping loads a WebAssembly TypeScript parser that costs ~18 MB of
 * RSS for the life of the process, and the sidecar's budget is < 60 MB. The build is pure
 * (no bundler, no tsc), takes milliseconds, and runs in Dockerfile.gke and in the local
 * runtime before it starts any agent, so dist/ is never stale.
 *   node deploy/agent/build.ts [outDir]
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const AGENT_SRC = fileURLToPath(new URL("./src/", import.meta.url));
const SHARED_SRC = fileURLToPath(new URL("../../packages/shared/src/", import.meta.url));
/** Shared modules the agent imports by subpath, and what they import in turn. */
const SHARED_FILES = ["gateway/index.ts", "gateway/client.ts", "gateway/errors.ts", "gateway/rpc-connection.ts", "vnc-ticket.ts", "logger.ts", "log-redaction.ts"];

export function buildAgent(outDir = fileURLToPath(new URL("./dist/", import.meta.url))): string {
  const files: Array<[string, string]> = [];
  for (const f of readdirSync(AGENT_SRC)) {
    if (f.endsWith(".ts") && !f.endsWith(".test.ts")) files.push([join(AGENT_SRC, f), join(outDir, f.replace(/\.ts$/, ".js"))]);
  }
  for (const f of SHARED_FILES) files.push([join(SHARED_SRC, f), join(outDir, "shared", f.replace(/\.ts$/, ".js"))]);
  for (const [src, dest] of files) {
    let code = stripTypeScriptTypes(readFileSync(src, "utf8"), { mode: "strip" });
    code = code.replace(/from "(\.{1,2}\/[^"]+)\.ts"/g, 'from "$1.js"');
    code = code.replace(/from "@clawbox\/shared\/([^"]+)"/g, (_m, sub: string) => {
      let rel = relative(dirname(dest), join(outDir, "shared", `${sub}.js`));
      if (!rel.startsWith(".")) rel = `./${rel}`;
      return `from "${rel}"`;
    });
    writeAtomic(dest, code);
  }
  writeAtomic(join(outDir, "package.json"), JSON.stringify({ type: "module", private: true }));
  return join(outDir, "main.js");
}

/** Several Managers may build at once: an agent starting meanwhile must never read half a file. */
function writeAtomic(file: string, data: string) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(buildAgent(process.argv[2]));
}
