// Content-hash cache of the locally built images: an image is rebuilt only when one of its inputs
// (Dockerfile, build args, the files its COPY lines name, the base image's digest, the builder
// script) changed. Each build leaves an OCI archive plus a record with its manifest digest.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface ImageRecord {
  /** e.g. localhost/openclaw-gke:3f2a... */
  ref: string;
  /** Repository part of ref, e.g. localhost/openclaw-gke. */
  repo: string;
  /** Manifest digest (sha256:...) inside the archive: what pods pin as repo@digest. */
  digest: string;
  /** OCI archive (oci-archive transport) holding exactly this image. */
  archive: string;
  inputsHash: string;
  builtAt: string;
  seconds: number;
}

export function imagesCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "clawbox", "images");
}

export function recordPath(name: string, hash: string): string {
  return join(imagesCacheDir(), `${name}-${hash}.json`);
}

export function archivePath(name: string, hash: string): string {
  return join(imagesCacheDir(), `${name}-${hash}.oci.tar`);
}

/** The cached record when both it and its archive exist. */
export function cachedImage(name: string, hash: string): ImageRecord | undefined {
  const p = recordPath(name, hash);
  if (!existsSync(p)) return undefined;
  const rec = JSON.parse(readFileSync(p, "utf8")) as ImageRecord;
  return existsSync(rec.archive) ? rec : undefined;
}

/** Saves the record and drops this image's older archives (about 1 GB each for the gateway). */
export function saveRecord(name: string, rec: ImageRecord): void {
  writeFileSync(recordPath(name, rec.inputsHash), JSON.stringify(rec, null, 2));
  const older = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-([0-9a-f]{16})\\.(oci\\.tar|json|log)$`);
  for (const f of readdirSync(imagesCacheDir())) {
    const m = f.match(older);
    if (m && m[1] !== rec.inputsHash) rmSync(join(imagesCacheDir(), f), { force: true });
  }
}

const SKIP = new Set(["node_modules", "dist", ".data", ".git"]);

/** Feeds a file or a directory tree (sorted, names and contents; node_modules/dist skipped) into the hash. */
export function hashPath(h: ReturnType<typeof createHash>, root: string, rel: string): void {
  const p = join(root, rel);
  if (!existsSync(p)) {
    h.update(`missing:${rel}\0`);
    return;
  }
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const name of readdirSync(p).sort()) {
      if (SKIP.has(name)) continue;
      hashPath(h, root, join(rel, name));
    }
    return;
  }
  h.update(`file:${rel}:${st.mode & 0o111 ? "x" : "-"}\0`);
  h.update(readFileSync(p));
  h.update("\0");
}

export function sha256(...parts: (string | Buffer)[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex");
}

/** The manifest digest of the single image in an OCI archive (its index.json's first manifest). */
export function archiveDigest(archive: string): string {
  // index.json is a small member near the start or end of the tar; list and extract it with tar.
  const out = spawnTar(["-xOf", archive, "index.json"]);
  const index = JSON.parse(out) as { manifests: { digest: string }[] };
  const d = index.manifests[0]?.digest;
  if (!d?.startsWith("sha256:")) throw new Error(`no manifest digest in ${archive}`);
  return d;
}

function spawnTar(args: string[]): string {
  const r = spawnSync("tar", args, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`tar ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}
