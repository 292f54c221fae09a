import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The contract is the one definition: renaming a field in it must break the typecheck of every
 * part that uses it. The shared package's sources are copied (inside the repo, so its own
 * dependencies still resolve) with one field renamed, and `tsc --noEmit` checks the Manager, the
 * App API and the app against that copy (`paths` maps `@clawbox/shared` to it). Each must fail,
 * in its own sources, on the renamed field.
 */
const ROOT = join(import.meta.dirname, "../../../..");
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
const PARTS = { manager: "deploy/manager", api: "deploy/api", app: "deploy/app" } as const;

const tmp = mkdtempSync(join(ROOT, "node_modules/.cache-contract-break-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tsc(tsconfig: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TSC, "-p", tsconfig, "--noEmit", "--pretty", "false"], { cwd: ROOT });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

/** A copy of packages/shared/src with `from` replaced by `to` in one contract file. */
function brokenShared(file: string, from: string, to: string): string {
  const dir = join(tmp, "shared");
  cpSync(join(ROOT, "packages/shared/src"), join(dir, "src"), { recursive: true });
  const path = join(dir, "src/contract", file);
  const text = readFileSync(path, "utf8");
  expect(text, `${file} no longer has ${from}`).toContain(from);
  writeFileSync(path, text.replace(from, to));
  return dir;
}

/**
 * A tsconfig for one part that resolves @clawbox/shared to `shared`. Only the part's own `src` is
 * checked: that is where a boundary type is used, and leaving out its tests (which pull in the test
 * cluster's and the stand-ins' code) makes the check a fraction of a full typecheck on a busy machine.
 */
function tsconfigAgainst(part: string, shared: string): string {
  const dir = join(tmp, part.replace(/\//g, "-"));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "tsconfig.json");
  writeFileSync(
    file,
    JSON.stringify({
      extends: join(ROOT, part, "tsconfig.json"),
      compilerOptions: {
        noEmit: true,
        rootDir: ROOT,
        paths: { "@clawbox/shared": [join(shared, "src/index.ts")], "@clawbox/shared/*": [join(shared, "src/*.ts")] },
      },
      include: [join(ROOT, part, "src")],
    }),
  );
  return file;
}

describe("a contract change breaks every part that uses it", () => {
  it("renaming the instance status field `phase` fails the typecheck of the Manager, the App API and the app", async () => {
    const shared = brokenShared("instance.ts", "  phase: InstancePhaseSchema,", "  lifecyclePhase: InstancePhaseSchema,");
    const results = await Promise.all(Object.values(PARTS).map((part) => tsc(tsconfigAgainst(part, shared))));
    for (const [i, part] of Object.values(PARTS).entries()) {
      const { code, out } = results[i]!;
      expect(code, `${part}: tsc passed against the renamed field`).not.toBe(0);
      // The errors are in the part's own code and name the old field (not a broken setup).
      const own = out.split("\n").filter((l) => l.startsWith(`${part}/`) && / error TS\d+:/.test(l));
      expect(own.filter((l) => l.includes("'phase'")), `${part}:\n${out.slice(0, 2000)}`).not.toEqual([]);
      expect(out).not.toMatch(/Cannot find module '@clawbox\/shared/);
    }
  }, 600_000);
});
