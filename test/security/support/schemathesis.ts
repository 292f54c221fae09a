import { spawnSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Schemathesis from PyPI, installed by the suite itself into a venv under the user's cache
 * (~/.cache/clawbox/schemathesis/<version>, never in the repo), once per machine.
 */
export const SCHEMATHESIS_VERSION = "4.32.5";
const VENV = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "clawbox", "schemathesis", SCHEMATHESIS_VERSION);

export function ensureSchemathesis(): string {
  const st = join(VENV, "bin", "st");
  if (existsSync(st)) return st;
  mkdirSync(join(VENV, ".."), { recursive: true });
  const python = process.env.PYTHON ?? "python3";
  const steps: string[][] = [
    [python, "-m", "venv", VENV],
    [join(VENV, "bin", "pip"), "install", "--quiet", `schemathesis==${SCHEMATHESIS_VERSION}`],
  ];
  for (const [cmd, ...args] of steps) {
    const r = spawnSync(cmd!, args, { stdio: "inherit" });
    if (r.status !== 0) throw new Error(`installing schemathesis failed: ${cmd} ${args.join(" ")} (exit ${r.status})`);
  }
  return st;
}

export interface SchemathesisRun {
  exitCode: number;
  output: string;
  /** "N generated, ..." as schemathesis reports it (the case count). */
  cases: number;
}

/**
 * One bounded run against a live spec: every check that matters for the issue (no 5xx, status
 * codes and bodies as documented, content types), positive and negative data.
 */
export function runSchemathesis(
  st: string,
  specUrl: string,
  opts: { headers?: Record<string, string>; maxSeconds: number; exclude?: string[]; seed?: number },
): Promise<SchemathesisRun> {
  const args = [
    "run",
    specUrl,
    "--checks",
    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
    "--phases",
    "examples,coverage,fuzzing",
    "--max-time",
    String(opts.maxSeconds),
    "--max-examples",
    "25",
    "--workers",
    "1",
    "--seed",
    String(opts.seed ?? 12),
    "--request-timeout",
    "30",
    "--suppress-health-check",
    "all",
    "--no-color",
  ];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push("-H", `${k}: ${v}`);
  for (const e of opts.exclude ?? []) args.push("--exclude-path-regex", e);
  return new Promise((resolve) => {
    // Its working files (.schemathesis/ cache) go to a scratch dir, never into the repo.
    const cwd = mkdtempSync(join(tmpdir(), "clawbox-schemathesis-run-"));
    const child = spawn(st, args, { cwd, env: { ...process.env, NO_COLOR: "1", SCHEMATHESIS_TELEMETRY: "false" } });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => {
      const m = /(\d+)\s+generated/.exec(output);
      rmSync(cwd, { recursive: true, force: true });
      resolve({ exitCode: code ?? 1, output, cases: m ? Number(m[1]) : 0 });
    });
  });
}
