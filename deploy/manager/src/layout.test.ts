import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The Manager's layout (issue 13): `routes`, `gateway`, `k8s` and `runtime` are the only folders,
 * no file only re-exports others, and nothing imports in a cycle — neither file to file nor
 * folder to folder. Reads the import statements of every source file (tests excluded).
 */
const SRC = import.meta.dirname;
const FOLDERS = ["gateway", "k8s", "routes", "runtime"];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith(".ts") && !p.endsWith(".test.ts") ? [p] : [];
  });
}

/** Relative imports (static and dynamic) of one file, resolved to absolute paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g)].map((m) => m[1] ?? m[2]!);
  return specs.map((s) => resolve(dirname(file), s)).filter((p) => p.startsWith(SRC));
}

/** Every cycle's members, by Tarjan's strongly connected components (size > 1 or a self-import). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.has(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

const files = sources(SRC);
const fileGraph = new Map(files.map((f) => [relative(SRC, f), new Set(importsOf(f).map((i) => relative(SRC, i)))]));
/** A file's folder; a top-level file (config.ts, server.ts, ...) stands for itself. */
const folderOf = (f: string) => (f.includes("/") ? f.slice(0, f.indexOf("/")) : f);

describe("Manager source layout", () => {
  it("has routes, gateway, k8s and runtime as its only folders", () => {
    const dirs = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    expect(dirs.sort()).toEqual(FOLDERS);
  });

  it("has no import cycle between files", () => {
    expect(fileGraph.size).toBeGreaterThan(40);
    expect(cycles(fileGraph)).toEqual([]);
  });

  it("has no import cycle between folders (top-level files each count as their own)", () => {
    const folders = new Map<string, Set<string>>();
    for (const [f, deps] of fileGraph) {
      const from = folderOf(f);
      if (!folders.has(from)) folders.set(from, new Set());
      for (const d of deps) if (folderOf(d) !== from) folders.get(from)!.add(folderOf(d));
    }
    expect(cycles(folders)).toEqual([]);
  });

  it("has no file that only re-exports others", () => {
    const reexportOnly = files.filter((f) => {
      const code = readFileSync(f, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "").trim();
      const statements = code.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean);
      return statements.length > 0 && statements.every((s) => /^export\s+(\*|\{[^}]*\}|type\s+\{[^}]*\})\s+from\s/.test(s));
    });
    expect(reexportOnly.map((f) => relative(SRC, f))).toEqual([]);
  });
});
