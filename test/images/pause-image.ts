// The pod sandbox image for the real node's containerd (`sandbox_image`): the pure-Go pause binary
// (test/cluster/go/pause) alone in an image FROM scratch. Cached by the binary's hash.
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { buildah, buildahLong, type Log } from "./buildah.ts";
import { archiveDigest, archivePath, cachedImage, imagesCacheDir, saveRecord, sha256, type ImageRecord } from "./cache.ts";

export async function ensurePauseImage(pauseBinary: string, log: Log): Promise<ImageRecord> {
  const name = "pause";
  const hash = sha256(readFileSync(fileURLToPath(import.meta.url)), readFileSync(pauseBinary)).slice(0, 16);
  const cached = cachedImage(name, hash);
  if (cached) return cached;
  const t0 = Date.now();
  const ref = `localhost/pause:${hash}`;
  const ctr = buildah(["from", "--pull=never", "scratch"]);
  try {
    await buildahLong(["copy", "--chmod", "0755", ctr, pauseBinary, "/pause"], {
      logFile: join(imagesCacheDir(), `${name}-${hash}.log`),
      log,
      label: "pause",
    });
    buildah(["config", "--entrypoint", '["/pause"]', "--user", "65535:65535", "--os", "linux", "--arch", "amd64", ctr]);
    buildah(["commit", "--rm", ctr, ref]);
  } catch (e) {
    buildah(["rm", ctr]);
    throw e;
  }
  const archive = archivePath(name, hash);
  rmSync(archive, { force: true });
  buildah(["push", ref, `oci-archive:${archive}:${ref}`]);
  const rec: ImageRecord = {
    ref,
    repo: "localhost/pause",
    digest: archiveDigest(archive),
    archive,
    inputsHash: hash,
    builtAt: new Date().toISOString(),
    seconds: Math.round((Date.now() - t0) / 100) / 10,
  };
  saveRecord(name, rec);
  log(`${ref} built in ${rec.seconds}s`);
  return rec;
}
