import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * Debian packages the platform uses on this machine: the local runtime's instance sandbox
 * (bubblewrap; nftables for its port rules), its live browser stack (Xvfb, x11vnc, websockify +
 * noVNC, Chromium) and PostgreSQL for the API's tests.
 * Each entry names a file whose presence means the package is installed.
 */
export const SYSTEM_PACKAGES: Record<string, string> = {
  bubblewrap: "/usr/bin/bwrap",
  nftables: "/usr/sbin/nft",
  xvfb: "/usr/bin/Xvfb",
  x11vnc: "/usr/bin/x11vnc",
  novnc: "/usr/share/novnc/vnc.html",
  websockify: "/usr/bin/websockify",
  chromium: "/usr/bin/chromium",
  "postgresql-15": "/usr/lib/postgresql/15/bin/postgres",
  // Korean glyphs for the app's ko screens in Chromium (screenshots and the live view).
  "fonts-nanum": "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
};

/**
 * Debian packages for the test cluster's real node and the image builds (test/cluster/real-node,
 * test/images): the container runtime, CNI plugins, the packet filter tools kube-proxy and
 * kube-router's firewall drive, and the image builders. Installed only when a real node or an
 * image build is asked for, never for the kwok-only test run.
 */
export const REAL_NODE_PACKAGES: Record<string, string> = {
  containerd: "/usr/bin/containerd",
  runc: "/usr/sbin/runc",
  "containernetworking-plugins": "/usr/lib/cni/bridge",
  iptables: "/usr/sbin/iptables",
  ipset: "/usr/sbin/ipset",
  conntrack: "/usr/sbin/conntrack",
  buildah: "/usr/bin/buildah",
  debootstrap: "/usr/sbin/debootstrap",
};

export const INSTALL_HINT = `apt-get install -y ${Object.keys(SYSTEM_PACKAGES).join(" ")}`;

export function missingSystemPackages(packages: Record<string, string> = SYSTEM_PACKAGES): string[] {
  return Object.entries(packages)
    .filter(([, file]) => !existsSync(file))
    .map(([pkg]) => pkg);
}

/** Installs missing packages with apt-get when running as root; otherwise says what to run. */
export async function ensureSystemPackages(opts: {
  reason: string;
  required: boolean;
  /** Which set (default: the platform's SYSTEM_PACKAGES). */
  packages?: Record<string, string>;
}): Promise<string[]> {
  const missing = missingSystemPackages(opts.packages);
  if (missing.length === 0) return [];
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    const msg = `Missing Debian packages for ${opts.reason}: ${missing.join(", ")}. Install them with: sudo apt-get install -y ${missing.join(" ")}`;
    if (opts.required) throw new Error(msg);
    console.error(msg);
    return missing;
  }
  console.error(`[setup] installing Debian packages for ${opts.reason}: ${missing.join(" ")} (about 1-2 minutes the first time)`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-q"], { stdio: "inherit", env });
  const r = spawnSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], { stdio: "inherit", env });
  if (r.status !== 0) throw new Error(`apt-get install failed (exit ${r.status}) for: ${missing.join(" ")}`);
  return [];
}
