// Builds one of the repo's Dockerfiles with buildah, FROM the local base image (NODE_IMAGE build
// arg), cached by the content hash of its inputs: the Dockerfile, the build args, the base image's
// digest, every file its COPY lines name, and this builder. An unchanged input set costs nothing.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildah, buildahLong, RUNC, type Log } from "./buildah.ts";
import { ensureBaseImage, loadIntoBuildah } from "./base-image.ts";
import { archiveDigest, archivePath, cachedImage, hashPath, imagesCacheDir, saveRecord, type ImageRecord } from "./cache.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface DockerfileImage {
  /** Image name under localhost/ and the cache's file prefix. */
  name: string;
  /** Dockerfile, relative to the repo root. */
  dockerfile: string;
  /** Build context, relative to the repo root. */
  context: string;
  /** A command (run at the repo root) that stages the context first, e.g. the workspace's `npm run build`. */
  prepare?: string[];
}

/** The images the real node runs, built from the repo's own Dockerfiles. */
export const IMAGES = {
  gateway: { name: "openclaw-gke", dockerfile: "Dockerfile.gke", context: "." },
  // Their Dockerfiles build from a staged .image/ context (type-checked sources + @clawbox/shared).
  manager: { name: "openclaw-manager", dockerfile: "deploy/manager/Dockerfile", context: "deploy/manager", prepare: ["npm", "run", "build", "-w", "deploy/manager"] },
  api: { name: "openclaw-api", dockerfile: "deploy/api/Dockerfile", context: "deploy/api", prepare: ["npm", "run", "build", "-w", "deploy/api"] },
} satisfies Record<string, DockerfileImage>;

/** Source paths of the COPY/ADD lines that read the build context (not `--from=` stages). */
export function copySources(dockerfile: string): string[] {
  const out: string[] = [];
  for (const raw of dockerfile.split("\n")) {
    const line = raw.trim();
    if (!/^(COPY|ADD)\s/i.test(line)) continue;
    const words = line.split(/\s+/).slice(1);
    if (words.some((w) => w.startsWith("--from"))) continue;
    const args = words.filter((w) => !w.startsWith("--"));
    out.push(...args.slice(0, -1));
  }
  return out;
}

function inputsHash(img: DockerfileImage, base: ImageRecord, buildArgs: Record<string, string>): string {
  const text = readFileSync(join(REPO_ROOT, img.dockerfile), "utf8");
  const h = createHash("sha256");
  h.update(readFileSync(fileURLToPath(import.meta.url)));
  h.update(text);
  h.update(JSON.stringify({ buildArgs, base: base.digest }));
  const ctx = join(REPO_ROOT, img.context);
  for (const src of copySources(text).sort()) hashPath(h, ctx, src);
  return h.digest("hex").slice(0, 16);
}

/** Where the host's CA bundle is mounted during RUN steps (never part of a layer). */
const BUILD_CA = "/etc/clawbox-build-ca.pem";

/**
 * This machine reaches npm through a TLS-inspecting proxy whose CA the host trusts through
 * NODE_EXTRA_CA_CERTS. The build gets that bundle as a read-only mount plus the Dockerfile's
 * NODE_EXTRA_CA_CERTS / npm_config_cafile args (RUN-only env); on a machine without it, nothing.
 */
function buildCa(): { args: Record<string, string>; volumes: string[] } {
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  if (!ca || !existsSync(ca)) return { args: {}, volumes: [] };
  return { args: { NODE_EXTRA_CA_CERTS: BUILD_CA, npm_config_cafile: BUILD_CA }, volumes: [`${ca}:${BUILD_CA}:ro`] };
}

export async function ensureImage(img: DockerfileImage, log: Log): Promise<ImageRecord> {
  const base = await ensureBaseImage(log);
  if (img.prepare) {
    log(`${img.name}: ${img.prepare.join(" ")}`);
    execFileSync(img.prepare[0]!, img.prepare.slice(1), { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "inherit"] });
  }
  const ca = buildCa();
  const buildArgs = { NODE_IMAGE: base.ref, ...ca.args };
  const hash = inputsHash(img, base, buildArgs);
  const cached = cachedImage(img.name, hash);
  if (cached) return cached;
  loadIntoBuildah(base);
  const ref = `localhost/${img.name}:${hash}`;
  const logFile = join(imagesCacheDir(), `${img.name}-${hash}.log`);
  mkdirSync(imagesCacheDir(), { recursive: true });
  rmSync(logFile, { force: true });
  log(`${ref}: buildah bud -f ${img.dockerfile} (log ${logFile})`);
  const t0 = Date.now();
  await buildahLong(
    [
      "bud",
      "--runtime",
      RUNC,
      "--pull=never",
      "--network",
      "host",
      "--layers",
      // Remove intermediate containers (and their mounts) also when a step fails.
      "--force-rm",
      "--format",
      "oci",
      ...Object.entries(buildArgs).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]),
      ...ca.volumes.flatMap((v) => ["--volume", v]),
      "-f",
      join(REPO_ROOT, img.dockerfile),
      "-t",
      ref,
      join(REPO_ROOT, img.context),
    ],
    { logFile, log, label: img.name },
  );
  const archive = archivePath(img.name, hash);
  rmSync(archive, { force: true });
  const tPush = Date.now();
  buildah(["push", ref, `oci-archive:${archive}:${ref}`]);
  log(`${ref}: archive written in ${Math.round((Date.now() - tPush) / 1000)}s`);
  const rec: ImageRecord = {
    ref,
    repo: `localhost/${img.name}`,
    digest: archiveDigest(archive),
    archive,
    inputsHash: hash,
    builtAt: new Date().toISOString(),
    seconds: Math.round((Date.now() - t0) / 100) / 10,
  };
  saveRecord(img.name, rec);
  log(`${ref} built in ${rec.seconds}s (${rec.digest})`);
  return rec;
}
