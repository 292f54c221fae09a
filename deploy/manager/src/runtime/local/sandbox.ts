import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, lstatSync, readlinkSync } from "node:fs";
import { delimiter, join } from "node:path";
import { detectCgroups, type CgroupVersion, type InstanceCgroup } from "./cgroups.ts";

/**
 * The sandbox of one instance: the local counterpart of the pod's securityContext.
 *
 * A process is started as `sh (join cgroups) -> unshare -m (stage sources) -> setpriv (drop to
 * the instance's uid) -> bwrap`:
 * - `sh` runs as root only long enough to write its own pid into the instance's cgroups, so
 *   everything the instance ever forks is inside its memory and pid limits;
 * - in a private mount namespace, still root, the dirs to bind are bind-mounted under a fresh
 *   tmpfs, so bwrap can reach them whatever the permissions of their parent dirs;
 * - `setpriv` switches to the instance's own host uid/gid (no supplementary groups), empties the
 *   capability bounding and inheritable sets and sets no_new_privs;
 * - `bwrap` (Debian's bubblewrap, unprivileged) gives it its own user, pid, ipc and uts
 *   namespaces (uid 1000 inside, like the pod's `node` user; no capabilities) and its own mount
 *   view: the system and the gateway code read-only, its own state, home and logs writable, a
 *   private /tmp, and nothing else of the data root (no secrets/, no database, no other instance).
 * The network stays the host's (egress and a model server on the host's loopback work as
 * before); port-guard.ts decides who may open the instance's ports.
 *
 * Without root, bubblewrap, setpriv, nft or cgroups there is no sandbox: detectSandbox() names
 * what is missing and the Manager refuses to start unless CLAWBOX_UNSAFE_NO_SANDBOX=1.
 */
export const SANDBOX_PACKAGES = ["bubblewrap", "nftables"] as const;
export const SANDBOX_INSTALL_HINT = `apt-get install -y ${SANDBOX_PACKAGES.join(" ")}`;
/** The uid every instance has inside its sandbox (the pod's runAsUser). */
export const SANDBOX_INNER_ID = 1000;

export type SandboxSupport = { available: true; cgroupVersion: CgroupVersion } | { available: false; missing: string[] };

export interface SandboxSpec {
  /** Host uid and gid of the instance (also its gid). */
  uid: number;
  cgroup: InstanceCgroup;
  /** Host paths bound read-only at the same path (code the instance runs). */
  readOnly: string[];
  /** Host paths bound writable at the same path (the instance's own state). */
  writable: string[];
  /** Host dir mounted as the sandbox's /tmp. */
  tmpDir: string;
  cwd: string;
}

function which(bin: string): string | undefined {
  for (const dir of `${process.env.PATH ?? ""}${delimiter}/usr/sbin${delimiter}/usr/bin${delimiter}/sbin${delimiter}/bin`.split(delimiter)) {
    if (dir && existsSync(join(dir, bin))) return join(dir, bin);
  }
  return undefined;
}

/** What this machine lacks for sandboxed instances (empty when it has all of it). */
export function detectSandbox(probeUid: number): SandboxSupport {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push("root (the Manager switches each instance to its own uid and sets its cgroup limits and port rules)");
  if (!which("bwrap")) missing.push(`bwrap (Debian package bubblewrap; ${SANDBOX_INSTALL_HINT})`);
  for (const bin of ["setpriv", "unshare", "mount"]) if (!which(bin)) missing.push(`${bin} (Debian packages util-linux, mount)`);
  if (!which("nft")) missing.push(`nft (Debian package nftables; ${SANDBOX_INSTALL_HINT})`);
  const cg = detectCgroups();
  if ("missing" in cg) missing.push(cg.missing);
  if (missing.length > 0) return { available: false, missing };
  // Unprivileged user namespaces may be switched off (sysctl user.max_user_namespaces=0, or
  // kernel.unprivileged_userns_clone=0): try one sandbox as an instance would start.
  const probe = spawnSync(
    "setpriv",
    [...dropPrivileges(probeUid), "bwrap", "--unshare-user", "--unshare-pid", "--ro-bind", "/", "/", "--proc", "/proc", "true"],
    { encoding: "utf8", timeout: 10_000 },
  );
  if (probe.status !== 0) {
    return { available: false, missing: [`unprivileged user namespaces (bwrap as uid ${probeUid} failed: ${(probe.stderr || probe.error?.message || "").trim()})`] };
  }
  return { available: true, cgroupVersion: (cg as { version: CgroupVersion }).version };
}

function dropPrivileges(uid: number): string[] {
  return [`--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"];
}

/** /bin, /lib, ... are symlinks into /usr on current Debian and plain dirs on older systems. */
function systemMounts(): string[] {
  const args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"];
  for (const top of ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]) {
    let st;
    try {
      st = lstatSync(top);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) args.push("--symlink", readlinkSync(top), top);
    else if (st.isDirectory()) args.push("--ro-bind", top, top);
  }
  return args;
}

/**
 * The command that starts `command` inside the sandbox (spawn it as root, detached). The env
 * given to spawn is all the instance gets: bwrap and setpriv pass it through unchanged.
 */
export function sandboxCommand(spec: SandboxSpec, command: string[]): { command: string; args: string[] } {
  // bwrap runs as the instance's uid, so it could not even reach a source whose parent dirs it
  // may not traverse (a repo under /root, a 0700 data root). As root, in a private mount
  // namespace that dies with the sandbox, each source is first bind-mounted under a fresh tmpfs
  // at /run/s/<n>; bwrap binds those to the same paths as on the host.
  // The private /tmp first: a data root under /tmp is then bound on top of it, not hidden by it.
  const sources = [
    { p: spec.tmpDir, ro: false, dest: "/tmp" },
    ...spec.readOnly.filter((p) => existsSync(p)).map((p) => ({ p, ro: true })),
    ...spec.writable.map((p) => ({ p, ro: false })),
  ] as Array<{ p: string; ro: boolean; dest?: string }>;
  const binds = sources.flatMap((b, i) => [b.ro ? "--ro-bind" : "--bind", `${STAGE}/${i}`, b.dest ?? b.p]);
  const bwrap = [
    "bwrap",
    "--unshare-user",
    "--uid",
    String(SANDBOX_INNER_ID),
    "--gid",
    String(SANDBOX_INNER_ID),
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--hostname",
    "clawbox",
    // Its own session: a sandboxed process cannot push input into a terminal outside (TIOCSTI).
    "--new-session",
    ...systemMounts(),
    "--ro-bind",
    "/sys",
    "/sys",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/dev/shm",
    ...binds,
    "--chdir",
    spec.cwd,
    // The sandbox's own root (a tmpfs holding the mount points) is read-only too.
    "--remount-ro",
    "/",
    "--",
    ...command,
  ];
  return {
    command: "/bin/sh",
    args: [
      "-c",
      JOIN_CGROUPS,
      "sh",
      String(spec.cgroup.procsFiles.length),
      ...spec.cgroup.procsFiles,
      "unshare",
      "--mount",
      "--propagation",
      "private",
      "--",
      "/bin/sh",
      "-c",
      STAGE_SOURCES,
      "sh",
      ...sources.map((b) => b.p),
      "--",
      "setpriv",
      ...dropPrivileges(spec.uid),
      ...bwrap,
    ],
  };
}

const STAGE = "/run/s";
/** Runs as root: join every cgroup of the instance, then exec the rest (exec keeps the pid). */
const JOIN_CGROUPS = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"';
/** Runs as root in the private mount namespace: stage the sources (args up to "--"), exec the rest. */
const STAGE_SOURCES = [
  `mount -t tmpfs -o mode=0755,size=64k clawbox-stage /run || exit 125`,
  `mkdir -p ${STAGE} || exit 125`,
  `i=0`,
  `while [ "$1" != "--" ]; do`,
  `  if [ -d "$1" ]; then mkdir "${STAGE}/$i"; else : > "${STAGE}/$i"; fi || exit 125`,
  `  mount --bind "$1" "${STAGE}/$i" || exit 125`,
  `  shift; i=$((i+1))`,
  `done`,
  `shift`,
  `exec "$@"`,
].join("\n");

/**
 * Runs one command in a fresh sandbox with an instance's exact policy (uid, mounts, cgroups):
 * what a shell command run by that instance's assistant can and cannot do. Tests and diagnostics.
 */
export function sandboxExec(
  spec: SandboxSpec,
  command: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): SpawnSyncReturns<string> {
  const { command: cmd, args } = sandboxCommand(spec, command);
  return spawnSync(cmd, args, {
    env: opts.env ?? { PATH: "/usr/local/bin:/usr/bin:/bin" },
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}
