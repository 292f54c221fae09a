import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { freePort } from "../support/ports.ts";

/**
 * vitest globalSetup: a throwaway real PostgreSQL 15 for the integration tests (initdb + start
 * on a free loopback port, trust auth, stopped and deleted at teardown). Tests get the URL with
 * `inject("databaseUrl")` and create their own database in it.
 */
declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

const BIN = "/usr/lib/postgresql/15/bin";

/** PostgreSQL refuses to run as root: run its tools as user postgres then. */
function run(cmd: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ["su", ["postgres", "-s", "/bin/sh", "-c", [cmd, ...args].map((a) => `'${a}'`).join(" ")]] : [cmd, args];
  const r = spawnSync(file, argv as string[], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
}

export default async function setup(project: TestProject) {
  if (!existsSync(join(BIN, "pg_ctl"))) {
    throw new Error(`PostgreSQL 15 is not installed (${BIN}); run: node scripts/prepare-test.ts`);
  }
  const root = mkdtempSync(join(tmpdir(), "clawbox-pg-"));
  chmodSync(root, 0o777);
  if (process.getuid?.() === 0) execFileSync("chown", ["postgres:postgres", root]);
  const data = join(root, "data");
  const port = await freePort();
  run(join(BIN, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
  run(join(BIN, "pg_ctl"), [
    "-D", data,
    "-o", `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    "-l", join(root, "log.txt"),
    "-w", "start",
  ]);
  project.provide("databaseUrl", `postgresql://postgres@127.0.0.1:${port}/postgres`);

  return async () => {
    try {
      run(join(BIN, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}
