/**
 * The gateway image's lockfile (deploy/gateway/package-lock.json), cut out of the repo's root
 * package-lock.json: exactly the packages the gateway workspace reaches, at the versions and
 * integrity hashes the local runtime and the tests run. Dockerfile.gke installs it with `npm ci`,
 * so an image build resolves nothing itself and installs what was tested.
 *
 * Why not `npm ci --workspace deploy/gateway` in the image: it needs every workspace's package.json
 * in the build context and the root lock, and hoists into a layout shared with the other workspaces.
 *
 *   node deploy/gateway/lockfile.ts   writes deploy/gateway/package-lock.json (after a change of
 *                                     deploy/gateway/package.json and npm install at the root)
 * deploy/gateway/lockfile.test.ts fails when the committed lock and the root lock disagree.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

type Entry = {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  inBundle?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  link?: boolean;
  [k: string]: unknown;
};
export interface Lockfile {
  name: string;
  version: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, Entry>;
}

const WORKSPACE = "deploy/gateway";
const ROOT_LOCK = fileURLToPath(new URL("../../package-lock.json", import.meta.url));
const GATEWAY_PACKAGE = fileURLToPath(new URL("./package.json", import.meta.url));
export const GATEWAY_LOCK = fileURLToPath(new URL("./package-lock.json", import.meta.url));

/** Where node (and npm) finds `dep` required from the package at `from`: the nearest node_modules upward. */
export function resolve(packages: Record<string, Entry>, from: string, dep: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ""}node_modules/${dep}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    // Up one package: drop the last "node_modules/<name>" (scoped names have two parts).
    const i = dir.lastIndexOf("node_modules/");
    dir = i <= 0 ? "" : dir.slice(0, i - 1);
  }
}

/**
 * The gateway's lockfile from the root one. Paths inside deploy/gateway/node_modules move to the
 * top (the workspace is the root of the image's /app); flags that described the repo root (dev)
 * are dropped, since everything kept is a production dependency of the gateway.
 */
export function gatewayLockfile(root: Lockfile, gateway: { name: string; version: string; dependencies: Record<string, string> }): Lockfile {
  const packages = root.packages;
  const keep = new Set<string>();
  const queue: [string, string][] = Object.keys(gateway.dependencies).map((d) => [WORKSPACE, d]);
  while (queue.length) {
    const [from, dep] = queue.shift()!;
    const at = resolve(packages, from, dep);
    if (!at) {
      // An optional dependency for another platform is simply not in the lock.
      if (packages[from]?.optionalDependencies?.[dep] !== undefined) continue;
      throw new Error(`root package-lock.json has no ${dep} reachable from ${from || "the root"}: run npm install first`);
    }
    if (keep.has(at)) continue;
    keep.add(at);
    const e = packages[at]!;
    for (const d of [...Object.keys(e.dependencies ?? {}), ...Object.keys(e.optionalDependencies ?? {})]) queue.push([at, d]);
  }
  // Bundled dependencies ship inside their parent's tarball; the lock lists them under it.
  for (const path of Object.keys(packages)) {
    if (packages[path]!.inBundle && [...keep].some((k) => path.startsWith(`${k}/node_modules/`))) keep.add(path);
  }
  const out: Record<string, Entry> = { "": { name: gateway.name, version: gateway.version, dependencies: gateway.dependencies } };
  for (const path of [...keep].map((p) => [p, p.startsWith(`${WORKSPACE}/`) ? p.slice(WORKSPACE.length + 1) : p] as const).sort((a, b) => (a[1] < b[1] ? -1 : 1))) {
    const { dev: _dev, devOptional, ...entry } = packages[path[0]]!;
    out[path[1]] = devOptional ? { ...entry, optional: true } : entry;
  }
  return { name: gateway.name, version: gateway.version, lockfileVersion: root.lockfileVersion, requires: true, packages: out };
}

/** The root lock's subset for the gateway (what the committed lock must agree with). */
export function derivedGatewayLockfile(): Lockfile {
  const root = JSON.parse(readFileSync(ROOT_LOCK, "utf8")) as Lockfile;
  const gateway = JSON.parse(readFileSync(GATEWAY_PACKAGE, "utf8"));
  return gatewayLockfile(root, gateway);
}

/**
 * Packages that are not inside another package's tarball (bundled ones are what their publisher
 * shipped; npm records them as it unpacks them, and the root lock's record of them can differ).
 */
export function unbundled(lock: Lockfile): Record<string, Entry> {
  return Object.fromEntries(Object.entries(lock.packages).filter(([path, e]) => path !== "" && !e.inBundle));
}

/**
 * Writes the lock: the derived subset, then `npm install --package-lock-only --offline` over it,
 * so npm records the bundled packages its own way (npm ci refuses the root lock's record of them).
 * Offline: every version is already pinned and in npm's cache from the root `npm ci`; nothing is
 * resolved anew.
 */
function write(): void {
  const dir = mkdtempSync(join(tmpdir(), "gateway-lock-"));
  try {
    copyFileSync(GATEWAY_PACKAGE, join(dir, "package.json"));
    writeFileSync(join(dir, "package-lock.json"), `${JSON.stringify(derivedGatewayLockfile(), null, 2)}\n`);
    const r = spawnSync("npm", ["install", "--package-lock-only", "--offline", "--legacy-peer-deps", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`npm install --package-lock-only failed (run npm ci at the repo root first):\n${r.stderr}`);
    copyFileSync(join(dir, "package-lock.json"), GATEWAY_LOCK);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  write();
  console.log(`wrote deploy/gateway/package-lock.json (${Object.keys(JSON.parse(readFileSync(GATEWAY_LOCK, "utf8")).packages).length - 1} packages)`);
}
