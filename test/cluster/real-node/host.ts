// The host changes a real node needs, each one said out loud and undone on stop:
//  - sysctls: IPv4 forwarding and bridge netfilter (kube-proxy's Service NAT and kube-router's
//    policy rules must see bridged pod traffic); and the ones kubelet rewrites by itself at start
//    (vm.overcommit_memory, kernel.panic, kernel.panic_on_oops, ...), put back once it is up.
//  - an egress guard: a chain in the mangle table's FORWARD hook that drops anything from the pod
//    bridge to any other interface, so a pod can never send a packet off this machine (tests talk
//    only to loopback and to the project's own bridge / network namespaces). mangle runs before
//    filter, where kube-router's policy chains ACCEPT allowed traffic ahead of anything else.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Log } from "../build.ts";

/** sysctls the node sets before starting (kubelet and kube-proxy expect them). */
export const NODE_SYSCTLS: Record<string, string> = {
  "net.ipv4.ip_forward": "1",
  "net.bridge.bridge-nf-call-iptables": "1",
};

/** sysctls kubelet overwrites at start (pkg/kubelet/cm setupKernelTunables); restored right after. */
export const KUBELET_SYSCTLS = [
  "vm.overcommit_memory",
  "vm.panic_on_oom",
  "kernel.panic",
  "kernel.panic_on_oops",
  "kernel.keys.root_maxkeys",
  "kernel.keys.root_maxbytes",
];

const sysctlPath = (name: string) => `/proc/sys/${name.replaceAll(".", "/")}`;

export function readSysctl(name: string): string | undefined {
  const p = sysctlPath(name);
  return existsSync(p) ? readFileSync(p, "utf8").trim() : undefined;
}

export function writeSysctl(name: string, value: string): void {
  writeFileSync(sysctlPath(name), `${value}\n`);
}

export class HostChanges {
  private saved = new Map<string, string>();
  private guardChain?: string;
  private log: Log;
  constructor(log: Log) {
    this.log = log;
  }

  /** Records the current values of `names` (first time only), to put back by restoreSysctls(). */
  remember(names: string[]): void {
    for (const n of names) {
      const v = readSysctl(n);
      if (v !== undefined && !this.saved.has(n)) this.saved.set(n, v);
    }
  }

  setSysctls(values: Record<string, string>): void {
    this.remember(Object.keys(values));
    for (const [n, v] of Object.entries(values)) {
      const before = readSysctl(n);
      if (before === undefined) throw new Error(`sysctl ${n} does not exist on this kernel (needed by the real node)`);
      if (before === v) continue;
      this.log(`host change: sysctl ${n} ${before} -> ${v} (restored on stop)`);
      writeSysctl(n, v);
    }
  }

  /** Puts back every remembered sysctl that changed; returns the names it restored. */
  restoreSysctls(names?: string[]): string[] {
    const restored: string[] = [];
    for (const [n, v] of this.saved) {
      if (names && !names.includes(n)) continue;
      const now = readSysctl(n);
      if (now === undefined || now === v) continue;
      try {
        writeSysctl(n, v);
        restored.push(`${n} ${now} -> ${v}`);
      } catch (e) {
        this.log(`could not restore sysctl ${n} to ${v}: ${(e as Error).message}`);
      }
    }
    if (restored.length) this.log(`host restore: ${restored.join(", ")}`);
    return restored;
  }

  /** Drops forwarding from the pod bridge to anything but the bridge itself (first mangle FORWARD rule). */
  addEgressGuard(bridge: string, chain: string): void {
    this.removeEgressGuard(chain);
    ipt(["-t", "mangle", "-N", chain]);
    ipt(["-t", "mangle", "-A", chain, "-i", bridge, "-o", bridge, "-j", "RETURN"]);
    ipt(["-t", "mangle", "-A", chain, "-i", bridge, "-j", "DROP"]);
    ipt(["-t", "mangle", "-I", "FORWARD", "1", "-j", chain]);
    this.guardChain = chain;
    this.log(`host change: iptables -t mangle FORWARD -> ${chain} (pods on ${bridge} cannot reach beyond it; removed on stop)`);
  }

  removeEgressGuard(chain = this.guardChain): void {
    if (!chain) return;
    while (spawnSync("iptables", ["-w", "-t", "mangle", "-D", "FORWARD", "-j", chain]).status === 0) {
      /* remove every jump */
    }
    spawnSync("iptables", ["-w", "-t", "mangle", "-F", chain]);
    spawnSync("iptables", ["-w", "-t", "mangle", "-X", chain]);
  }
}

function ipt(args: string[]): void {
  execFileSync("iptables", ["-w", ...args], { stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * Chains kubelet adds to the host's packet filter (its KUBE-FIREWALL localnet guard, the canary
 * chains it watches for flushes, the iptables-mode hint). kube-proxy --cleanup does not remove
 * them; a stopped node should leave nothing behind.
 */
export function removeKubeletChains(): void {
  for (const bin of ["iptables", "ip6tables"]) {
    const run = (args: string[]) => spawnSync(bin, ["-w", ...args], { stdio: "ignore" }).status === 0;
    for (const hook of ["INPUT", "OUTPUT"]) while (run(["-D", hook, "-j", "KUBE-FIREWALL"])) {}
    for (const table of ["filter", "nat", "mangle"]) {
      for (const chain of ["KUBE-FIREWALL", "KUBE-KUBELET-CANARY", "KUBE-IPTABLES-HINT"]) {
        if (run(["-t", table, "-F", chain])) run(["-t", table, "-X", chain]);
      }
    }
  }
}

/** Chain name prefixes kube-router's firewall creates in the filter table. */
const KUBE_ROUTER_CHAINS = ["KUBE-ROUTER-", "KUBE-POD-FW-", "KUBE-NWPLCY-", "KUBE-SRC-", "KUBE-DST-"];

/**
 * Removes kube-router's firewall rules, chains and ipsets. Its own `--cleanup-config` does not
 * (v2.1.0 only cleans the IP families it configured in that same run, i.e. none), so do it here.
 */
export function removeKubeRouterChains(): void {
  const out = (args: string[]) => spawnSync("iptables", ["-w", ...args], { encoding: "utf8" }).stdout ?? "";
  const ours = (target: string) => KUBE_ROUTER_CHAINS.some((p) => target.startsWith(p));
  for (const hook of ["INPUT", "FORWARD", "OUTPUT"]) {
    const numbers = out(["-L", hook, "-n", "--line-numbers"])
      .split("\n")
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => /^\d+$/.test(f[0] ?? "") && ours(f[1] ?? ""))
      .map((f) => Number(f[0]))
      .sort((a, b) => b - a);
    for (const n of numbers) spawnSync("iptables", ["-w", "-D", hook, String(n)], { stdio: "ignore" });
  }
  const chains = out(["-S"])
    .split("\n")
    .filter((l) => l.startsWith("-N "))
    .map((l) => l.slice(3).trim())
    .filter(ours);
  for (const c of chains) spawnSync("iptables", ["-w", "-F", c], { stdio: "ignore" });
  for (const c of chains) spawnSync("iptables", ["-w", "-X", c], { stdio: "ignore" });
  const sets = (spawnSync("ipset", ["list", "-n"], { encoding: "utf8" }).stdout ?? "").split("\n").filter((n) => ours(n) || n.startsWith("inet6:KUBE-"));
  for (const set of sets) spawnSync("ipset", ["destroy", set], { stdio: "ignore" });
}
