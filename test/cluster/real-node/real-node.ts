// A REAL node next to the kwok ones: containerd + runc (Debian), a CNI bridge, kubelet and
// kube-proxy (iptables mode) built from the same v1.37.2 module as the control plane, and
// kube-router running only its NetworkPolicy firewall. Pods land here only when they tolerate the
// node's taint (REAL_NODE_TAINT) and select it (REAL_NODE_LABEL), so every kwok-based test keeps
// its behaviour. Every process is started and stopped by pid; host changes are logged and undone.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { missingSystemPackages, REAL_NODE_PACKAGES, ensureSystemPackages } from "../../../scripts/system-packages.ts";
import { ensureNodeBinaries, type Log } from "../build.ts";
import { kubectl, stopPids, type ClusterState } from "../cluster.ts";
import { isAlive } from "@clawbox/shared/proc";
import { freePort } from "../../support/ports.ts";
import { cacheRoot, nodeBinaryPath, CLUSTER_DIR, type NodeBinary } from "../paths.ts";
import { clientCertKubeconfig, issueClientCert } from "../pki.ts";
import { ensurePauseImage } from "../../images/pause-image.ts";
import type { ImageRecord } from "../../images/cache.ts";
import { containerdConfig, cniConfig, kubeletConfig, type NodeLayout } from "./configs.ts";
import { HostChanges, KUBELET_SYSCTLS, NODE_SYSCTLS, removeKubeletChains, removeKubeRouterChains } from "./host.ts";

export const REAL_NODE_NAME = "real-node-0";
/** Pods must tolerate this to land on the real node. */
export const REAL_NODE_TAINT = { key: "clawbox.test/real", value: "true", effect: "NoSchedule" } as const;
/** ...and select it by this label (kwok nodes do not have it). */
export const REAL_NODE_LABEL = { key: "clawbox.test/real", value: "true" } as const;
/** The project's own pod range on its own bridge; nothing else on the machine uses it. */
export const REAL_POD_CIDR = "10.213.0.0/24";
/**
 * The node's address: the bridge's gateway address, made before kubelet starts. Not loopback:
 * kube-router refuses a node whose only address is 127.0.0.1, and the API server must reach the
 * kubelet (logs, exec) at the node's InternalIP. Only this host and its pods can reach it.
 */
export const REAL_NODE_IP = "10.213.0.1";
const BRIDGE = "cbx-real0";
const GUARD_CHAIN = "CLAWBOX-REAL-NODE-EGRESS";

export interface RealNode {
  name: string;
  podCIDR: string;
  containerdSock: string;
  pids: Partial<Record<"containerd" | NodeBinary, number>>;
  logs: Record<string, string>;
  /** Seconds from start() to the node being Ready (binaries and images already cached). */
  readySeconds: number;
  /** Imports a locally built image (OCI archive) into the node's containerd, tagged repo:tag and repo@digest. */
  importImage(img: ImageRecord): Promise<void>;
  /** `ctr -n k8s.io ...` against the node's containerd. */
  ctr(args: string[]): string;
  /** Restarts containerd alone (a node-level runtime restart; running containers keep running). */
  restartContainerd(): Promise<void>;
  stop(): Promise<void>;
}

const defaultLog: Log = (line) => process.stderr.write(`[real-node] ${line}\n`);

function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Toleration + node selector a pod (template) needs to run on the real node. */
export function realNodePlacement(): { tolerations: object[]; nodeSelector: Record<string, string> } {
  return {
    tolerations: [{ key: REAL_NODE_TAINT.key, operator: "Equal", value: REAL_NODE_TAINT.value, effect: REAL_NODE_TAINT.effect }],
    nodeSelector: { [REAL_NODE_LABEL.key]: REAL_NODE_LABEL.value },
  };
}

/** What the real node needs of a running test cluster (its PKI and pid file live in dataDir). */
export type ClusterRef = Pick<ClusterState, "dataDir" | "server" | "kubeconfig">;

export interface RealNodeOptions {
  log?: Log;
  /** Run kube-router's NetworkPolicy firewall (default true); off = policies are not enforced. */
  firewall?: boolean;
}

export async function startRealNode(cluster: ClusterRef, opts: RealNodeOptions = {}): Promise<RealNode> {
  const log = opts.log ?? defaultLog;
  const firewall = opts.firewall ?? true;
  if (process.getuid?.() !== 0) throw new Error("a real node needs root (containerd, runc, iptables, cgroups)");
  await ensureSystemPackages({ reason: "the test cluster's real node", required: true, packages: REAL_NODE_PACKAGES });
  const missing = missingSystemPackages(REAL_NODE_PACKAGES);
  if (missing.length) throw new Error(`missing Debian packages for the real node: ${missing.join(", ")}`);
  await ensureNodeBinaries({ log });
  const pause = await ensurePauseImage(nodeBinaryPath("pause"), log);

  const t0 = Date.now();
  const releaseLock = takeMachineLock(log);
  const dir = join(cluster.dataDir, "real-node");
  // containerd's root (image content and snapshots) persists across runs, so an image imported
  // once is not unpacked again; stop() deletes every container, so nothing else is carried over.
  const persistent = join(cacheRoot(), "real-node");
  const l: NodeLayout = {
    dir,
    containerdSock: join(dir, "containerd.sock"),
    containerdRoot: join(persistent, "containerd-root"),
    containerdState: join(dir, "containerd-state"),
    cniConfDir: join(dir, "cni", "net.d"),
    cniIpamDir: join(dir, "cni", "ipam"),
    kubeletRoot: join(dir, "kubelet"),
    bridge: BRIDGE,
    podCIDR: REAL_POD_CIDR,
  };
  for (const d of [l.containerdRoot, l.containerdState, l.cniConfDir, l.cniIpamDir, l.kubeletRoot]) mkdirSync(d, { recursive: true });
  const logDir = join(cluster.dataDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const pki = join(cluster.dataDir, "pki");
  const kubeconfig = (name: string, subject: string) => {
    const file = join(dir, `${name}.kubeconfig`);
    const client = issueClientCert(pki, name, subject);
    writeFileSync(file, clientCertKubeconfig({ server: cluster.server, caCert: join(pki, "ca.crt"), client, user: name }), { mode: 0o600 });
    return file;
  };
  const kubeconfigs = {
    kubelet: kubeconfig("kubelet", `/O=system:nodes/CN=system:node:${REAL_NODE_NAME}`),
    kubeProxy: kubeconfig("kube-proxy", "/CN=system:kube-proxy"),
    kubeRouter: kubeconfig("kube-router", "/CN=system:kube-router"),
  };

  const pids: RealNode["pids"] = {};
  const logs: Record<string, string> = {};
  const exited: Record<string, string> = {};
  const host = new HostChanges(log);
  const start = (name: "containerd" | NodeBinary, bin: string, args: string[]) => {
    const logFile = join(logDir, `${name}.log`);
    logs[name] = logFile;
    const fd = openSync(logFile, "a");
    const child = spawn(bin, args, {
      cwd: dir,
      stdio: ["ignore", fd, fd],
      detached: true,
      env: { ...process.env, GOMAXPROCS: "2", PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` },
    });
    if (!child.pid) throw new Error(`could not start ${name}`);
    pids[name] = child.pid;
    // The cluster's watchdog kills every pid in this file if the test process dies.
    appendFileSync(join(cluster.dataDir, "pids"), `${child.pid}\n`);
    delete exited[name];
    const pid = child.pid;
    // Only the current process of that name counts (restartContainerd replaces one on purpose).
    child.on("exit", (code, sig) => {
      if (pids[name] === pid) exited[name] = String(sig ?? code);
    });
    child.unref();
  };
  const check = () => {
    for (const [name, how] of Object.entries(exited)) throw new Error(`${name} exited (${how}); last log lines:\n${tail(logs[name] ?? "")}`);
  };
  const waitFor = async (what: string, fn: () => boolean | Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    for (;;) {
      check();
      try {
        if (await fn()) return;
      } catch (e) {
        last = (e as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (${last})` : ""}`);
      await sleep(250);
    }
  };
  const ctrArgs = ["--address", l.containerdSock, "--namespace", "k8s.io"];
  const ctr = (args: string[]) => {
    const r = spawnSync("ctr", [...ctrArgs, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`ctr ${args.join(" ")} failed: ${r.stderr || r.error?.message}`);
    return r.stdout;
  };
  const importImage = async (img: ImageRecord) => {
    const t = Date.now();
    if (ctr(["images", "ls", "--quiet"]).split("\n").includes(`${img.repo}@${img.digest}`)) {
      log(`${img.repo}@${img.digest} already in the node's containerd`);
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const child = spawn("nice", ["-n", "10", "ctr", ...ctrArgs, "images", "import", "--base-name", img.repo, "--digests", img.archive], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      let err = "";
      child.stderr.on("data", (c: Buffer) => (err += c.toString()));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`ctr images import ${img.archive} failed: ${err}`))));
    });
    log(`imported ${img.repo}@${img.digest} into the node's containerd in ${((Date.now() - t) / 1000).toFixed(1)}s`);
    // The root persists: drop this repo's older builds (their content is garbage-collected).
    const keep = new Set([`${img.repo}@${img.digest}`, img.ref]);
    const stale = ctr(["images", "ls", "--quiet"])
      .split("\n")
      .filter((n) => (n.startsWith(`${img.repo}:`) || n.startsWith(`${img.repo}@`)) && !keep.has(n));
    if (stale.length) ctr(["images", "rm", ...stale]);
  };
  const startContainerd = async () => {
    start("containerd", "/usr/bin/containerd", ["--config", join(dir, "containerd.toml")]);
    await waitFor("containerd", () => spawnSync("ctr", [...ctrArgs, "version"]).status === 0, 60_000);
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopPids([pids["kube-router"] ?? 0, pids["kube-proxy"] ?? 0, pids.kubelet ?? 0], 10_000);
    // Containers outlive kubelet; kill and delete every task and container in our own containerd,
    // then the pods' network namespaces (their veth ends go with them).
    const netnsPaths = new Set<string>();
    if (pids.containerd && isAlive(pids.containerd)) {
      try {
        for (const c of ctr(["containers", "ls", "--quiet"]).split("\n").filter(Boolean)) {
          try {
            const info = JSON.parse(ctr(["containers", "info", c])) as { Spec?: { linux?: { namespaces?: { type: string; path?: string }[] } } };
            for (const ns of info.Spec?.linux?.namespaces ?? []) if (ns.type === "network" && ns.path) netnsPaths.add(ns.path);
          } catch {
            /* gone meanwhile */
          }
        }
        const tasks = ctr(["tasks", "ls", "--quiet"]).split("\n").filter(Boolean);
        for (const t of tasks) spawnSync("ctr", [...ctrArgs, "tasks", "kill", "--signal", "SIGKILL", t]);
        for (const t of tasks) {
          for (let i = 0; i < 20 && spawnSync("ctr", [...ctrArgs, "tasks", "delete", t]).status !== 0; i++) await sleep(250);
        }
        for (const c of ctr(["containers", "ls", "--quiet"]).split("\n").filter(Boolean)) spawnSync("ctr", [...ctrArgs, "containers", "delete", c]);
      } catch (e) {
        log(`cleanup of containers failed: ${(e as Error).message}`);
      }
    }
    await stopPids([pids.containerd ?? 0], 10_000);
    for (const p of netnsPaths) {
      spawnSync("umount", [p], { stdio: "ignore" });
      spawnSync("rm", ["-f", p], { stdio: "ignore" });
    }
    // kube-proxy's own cleanup mode removes its chains; kube-router's does not (removeKubeRouterChains).
    if (existsSync(nodeBinaryPath("kube-proxy"))) spawnSync(nodeBinaryPath("kube-proxy"), ["--cleanup"], { stdio: "ignore" });
    if (pids["kube-router"]) removeKubeRouterChains();
    removeKubeletChains();
    host.removeEgressGuard();
    spawnSync("ip", ["link", "delete", BRIDGE], { stdio: "ignore" });
    unmountUnder(dir);
    unmountUnder(l.containerdRoot);
    removeCgroups(log);
    host.restoreSysctls();
    releaseLock();
  };

  try {
    log(`starting real node ${REAL_NODE_NAME} (pods ${REAL_POD_CIDR} on bridge ${BRIDGE}, state in ${dir})`);
    host.remember(KUBELET_SYSCTLS);
    host.setSysctls(NODE_SYSCTLS);
    host.addEgressGuard(BRIDGE, GUARD_CHAIN);
    addBridge(log);
    writeFileSync(join(dir, "containerd.toml"), containerdConfig(l, `${pause.repo}:${pause.inputsHash}`));
    writeFileSync(join(l.cniConfDir, "10-clawbox.conflist"), cniConfig(l));
    await startContainerd();
    await importImage(pause);

    const ports = { kubelet: await freePort(), kubeletHealthz: await freePort(), proxyHealthz: await freePort(), proxyMetrics: await freePort() };
    writeFileSync(
      join(dir, "kubelet.json"),
      kubeletConfig({ l, caCert: join(pki, "ca.crt"), address: REAL_NODE_IP, port: ports.kubelet, healthzPort: ports.kubeletHealthz, taint: REAL_NODE_TAINT }),
    );
    start("kubelet", nodeBinaryPath("kubelet"), [
      `--config=${join(dir, "kubelet.json")}`,
      `--kubeconfig=${kubeconfigs.kubelet}`,
      `--root-dir=${l.kubeletRoot}`,
      `--cert-dir=${join(dir, "kubelet-pki")}`,
      `--hostname-override=${REAL_NODE_NAME}`,
      `--node-ip=${REAL_NODE_IP}`,
      `--node-labels=${REAL_NODE_LABEL.key}=${REAL_NODE_LABEL.value},type=real`,
      "--v=1",
    ]);
    await waitFor(
      `node ${REAL_NODE_NAME} registered`,
      () => kubectl(cluster.kubeconfig, ["get", "node", REAL_NODE_NAME, "-o", "name"]).includes(REAL_NODE_NAME),
      120_000,
    );
    // No node IPAM controller runs; give the node its range like the controller-manager would.
    kubectl(cluster.kubeconfig, ["patch", "node", REAL_NODE_NAME, "--type=merge", "-p", JSON.stringify({ spec: { podCIDR: REAL_POD_CIDR, podCIDRs: [REAL_POD_CIDR] } })]);
    kubectl(cluster.kubeconfig, ["apply", "-f", join(CLUSTER_DIR, "manifests", "real-node-rbac.yaml")]);

    start("kube-proxy", nodeBinaryPath("kube-proxy"), [
      `--kubeconfig=${kubeconfigs.kubeProxy}`,
      "--proxy-mode=iptables",
      `--hostname-override=${REAL_NODE_NAME}`,
      `--cluster-cidr=${REAL_POD_CIDR}`,
      `--healthz-bind-address=127.0.0.1:${ports.proxyHealthz}`,
      `--metrics-bind-address=127.0.0.1:${ports.proxyMetrics}`,
      // Leave the host's conntrack sysctls and route_localnet alone.
      "--conntrack-max-per-core=0",
      "--conntrack-tcp-timeout-established=0",
      "--conntrack-tcp-timeout-close-wait=0",
      "--iptables-localhost-nodeports=false",
      "--v=1",
    ]);
    if (firewall) start("kube-router", nodeBinaryPath("kube-router"), [
      `--kubeconfig=${kubeconfigs.kubeRouter}`,
      "--run-firewall=true",
      "--run-router=false",
      "--run-service-proxy=false",
      `--hostname-override=${REAL_NODE_NAME}`,
      "--health-port=0",
      "--metrics-port=0",
      "--enable-ipv6=false",
      "--v=1",
    ]);

    await waitFor(
      `node ${REAL_NODE_NAME} Ready`,
      () => {
        const n = JSON.parse(kubectl(cluster.kubeconfig, ["get", "node", REAL_NODE_NAME, "-o", "json"])) as {
          status?: { conditions?: { type: string; status: string }[] };
        };
        return Boolean(n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
      },
      180_000,
    );
    if (firewall) {
      // Its health server would listen on every interface, so it is off; its chains show it works.
      await waitFor("kube-router's firewall chains", () => spawnSync("iptables", ["-w", "-S", "KUBE-ROUTER-FORWARD"], { stdio: "ignore" }).status === 0, 60_000);
    }
    await waitFor("kube-proxy /healthz", async () => (await fetch(`http://127.0.0.1:${ports.proxyHealthz}/healthz`)).ok, 60_000);
    // kubelet rewrote a few kernel tunables at start (it does so once); put the host's values back.
    host.restoreSysctls(KUBELET_SYSCTLS);
    const readySeconds = Math.round((Date.now() - t0) / 100) / 10;
    log(`real node ${REAL_NODE_NAME} Ready in ${readySeconds}s`);
    return {
      name: REAL_NODE_NAME,
      podCIDR: REAL_POD_CIDR,
      containerdSock: l.containerdSock,
      pids,
      logs,
      readySeconds,
      importImage,
      ctr,
      async restartContainerd() {
        const old = pids.containerd ?? 0;
        delete pids.containerd;
        await stopPids([old], 10_000);
        await startContainerd();
      },
      stop,
    };
  } catch (e) {
    const hints = Object.entries(logs)
      .map(([n, f]) => `--- ${n} (${f}) ---\n${tail(f, 15)}`)
      .join("\n");
    await stop().catch(() => undefined);
    throw new Error(`real node failed to start: ${(e as Error).message}\n${hints}`, { cause: e });
  }
}

/**
 * One real node per machine: it owns a fixed bridge, pod range and iptables chains. A lock
 * directory holds the owner's pid; a lock whose owner is gone is taken over.
 */
function takeMachineLock(log: Log): () => void {
  const lock = join(cacheRoot(), "real-node.lock");
  mkdirSync(cacheRoot(), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch {
      let owner = 0;
      try {
        owner = Number(readFileSync(join(lock, "pid"), "utf8"));
      } catch {
        /* being written */
      }
      if (owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new Error(`another real node runs on this machine (pid ${owner} holds ${lock}); stop it first`);
      }
      log(`taking over the real-node lock of pid ${owner || "?"} (gone)`);
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** The pod bridge with the node's address (the CNI bridge plugin adopts it as the pods' gateway). */
function addBridge(log: Log): void {
  spawnSync("ip", ["link", "delete", BRIDGE], { stdio: "ignore" });
  for (const args of [
    ["link", "add", BRIDGE, "type", "bridge"],
    ["addr", "add", `${REAL_NODE_IP}/24`, "dev", BRIDGE],
    ["link", "set", BRIDGE, "up"],
  ]) {
    const r = spawnSync("ip", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`ip ${args.join(" ")} failed: ${r.stderr}`);
  }
  log(`host change: bridge ${BRIDGE} ${REAL_NODE_IP}/24 (deleted on stop)`);
}

/** Unmounts everything kubelet/containerd left mounted under `dir` (deepest first). */
function unmountUnder(dir: string): void {
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1]?.replace(/\\040/g, " "))
    .filter((m): m is string => Boolean(m && m.startsWith(dir + "/")))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync("umount", ["-l", m], { stdio: "ignore" });
}

/** Removes the (now empty) kubepods cgroups kubelet created in every v1 hierarchy. */
function removeCgroups(log: Log): void {
  const root = "/sys/fs/cgroup";
  if (!existsSync(root)) return;
  const left: string[] = [];
  for (const ctl of readdirSync(root)) {
    const top = join(root, ctl, "kubepods");
    if (!existsSync(top)) continue;
    const dirs: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
      dirs.push(d);
    };
    try {
      walk(top);
    } catch {
      continue;
    }
    for (const d of dirs) {
      try {
        rmdirSync(d);
      } catch {
        left.push(d);
      }
    }
  }
  if (left.length) log(`could not remove ${left.length} kubepods cgroups (still in use?): ${left.slice(0, 3).join(", ")}`);
}
