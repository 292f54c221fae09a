// Starts and stops a real Kubernetes control plane for the tests: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok (fake nodes + kubelet), all on 127.0.0.1.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ensureBinaries, ensureTools, type Log } from "./build.ts";
import { binaryPath, CLUSTER_DIR, toolPath, type GoBinary } from "./paths.ts";
import { clientCertKubeconfig, createPki, type Pki } from "./pki.ts";
import { isAlive } from "@clawbox/shared/proc";
import { freePort } from "../support/ports.ts";

export const SERVICE_CIDR = "10.96.0.0/16";
/**
 * kwok hands out pod IPs from this range. It is loopback on purpose: no pod really exists, and a
 * test that dials a pod IP must never send packets off this machine. (EndpointSlices reject
 * loopback addresses, so Services get no endpoints; pass podCIDR to change it.)
 */
export const DEFAULT_POD_CIDR = "127.244.0.1/16";

export interface StartOptions {
  /** Where certs, etcd data, logs and kubeconfigs go; a fresh temp dir when omitted (removed on stop). */
  dataDir?: string;
  /** Number of fake kwok Nodes (default 2). */
  nodes?: number;
  /** How long a started pod stays Running but not Ready unless annotated (default 1000 ms). */
  readyDelayMs?: number;
  podCIDR?: string;
  log?: Log;
  /**
   * Leave the processes running when this Node.js process exits (`cluster up`). Otherwise they are
   * killed on stop(), on exit, on SIGINT/SIGTERM/SIGHUP, and by a watchdog if this process dies.
   */
  persistent?: boolean;
}

export interface ClusterState {
  dataDir: string;
  removeDataDir: boolean;
  kubeconfig: string;
  server: string;
  pids: Partial<Record<GoBinary | "watchdog", number>>;
  ports: Record<string, number>;
  logs: Record<string, string>;
  nodes: string[];
  namespace: string;
  startedAt: string;
  readySeconds: number;
  helm: string;
  kubectl: string;
}

export interface Cluster extends ClusterState {
  stop(): Promise<void>;
}

const defaultLog: Log = (line) => process.stderr.write(`[cluster] ${line}\n`);

/** SIGTERM, wait up to `graceMs`, then SIGKILL. Only the given pids; never by name. */
export async function stopPids(pids: number[], graceMs = 10_000): Promise<void> {
  const live = pids.filter((p) => p > 0 && isAlive(p));
  for (const p of live) {
    try {
      process.kill(p, "SIGTERM");
    } catch {
      /* gone */
    }
  }
  const deadline = Date.now() + graceMs;
  while (live.some((p) => isAlive(p)) && Date.now() < deadline) await sleep(100);
  for (const p of live.filter((p) => isAlive(p))) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  while (live.some((p) => isAlive(p))) await sleep(50);
}

interface Probe {
  url: string;
  ca?: string;
  cert?: string;
  key?: string;
}

function get(p: Probe, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(p.url);
    const opts = {
      method: "GET",
      hostname: u.hostname,
      port: u.port,
      path: u.pathname + u.search,
      timeout: timeoutMs,
      ...(u.protocol === "https:"
        ? {
            ca: p.ca ? readFileSync(p.ca) : undefined,
            cert: p.cert ? readFileSync(p.cert) : undefined,
            key: p.key ? readFileSync(p.key) : undefined,
            rejectUnauthorized: Boolean(p.ca),
          }
        : {}),
    };
    const req = (u.protocol === "https:" ? request : httpRequest)(opts, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; procs?: () => void; log: Log },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastErr = "";
  for (;;) {
    opts.procs?.();
    try {
      if (await check()) return;
    } catch (e) {
      lastErr = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastErr ? ` (last error: ${lastErr})` : ""}`);
    await sleep(200);
  }
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function nodeManifest(name: string): object {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: {
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/os": "linux",
        "kubernetes.io/hostname": name,
        "node-role.kubernetes.io/agent": "",
        type: "kwok",
      },
    },
    spec: {},
    status: {
      allocatable: { cpu: "32", memory: "128Gi", pods: "110", "ephemeral-storage": "500Gi" },
      capacity: { cpu: "32", memory: "128Gi", pods: "110", "ephemeral-storage": "500Gi" },
    },
  };
}

/** Runs the pinned kubectl against the cluster; throws with its stderr on failure. */
export function kubectl(kubeconfig: string, args: string[], input?: string): string {
  const r = spawnSync(toolPath("kubectl"), ["--kubeconfig", kubeconfig, ...args], {
    input,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed (exit ${r.status}): ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** Builds the binaries if needed, starts the whole control plane and waits until it is usable. */
export async function startCluster(opts: StartOptions = {}): Promise<Cluster> {
  const log = opts.log ?? defaultLog;
  const t0 = Date.now();
  const tools = await ensureTools({ log });
  await ensureBinaries({ log });

  const removeDataDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "clawbox-cluster-"));
  if (opts.dataDir) {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
  }
  const logDir = join(dataDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const pki: Pki = createPki(join(dataDir, "pki"));

  const ports = {
    etcdClient: await freePort(),
    etcdPeer: await freePort(),
    apiserver: await freePort(),
    controllerManager: await freePort(),
    scheduler: await freePort(),
    kwok: await freePort(),
  };
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const kubeconfigs = {
    admin: join(dataDir, "kubeconfig"),
    controllerManager: join(dataDir, "controller-manager.kubeconfig"),
    scheduler: join(dataDir, "scheduler.kubeconfig"),
    kwok: join(dataDir, "kwok.kubeconfig"),
  };
  for (const [k, file] of Object.entries(kubeconfigs) as [keyof typeof kubeconfigs, string][]) {
    writeFileSync(
      file,
      clientCertKubeconfig({ server, caCert: pki.caCert, client: pki.clients[k], user: k === "admin" ? "clawbox-admin" : k }),
      { mode: 0o600 },
    );
  }

  const pids: ClusterState["pids"] = {};
  const pidFile = join(dataDir, "pids");
  const logs: Record<string, string> = {};
  const exited: Record<string, number | string> = {};
  const persistent = Boolean(opts.persistent);

  const killAllNow = () => {
    for (const pid of Object.values(pids)) {
      if (pid && isAlive(pid)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    }
  };
  const killAndClean = () => {
    killAllNow();
    if (removeDataDir) {
      try {
        rmSync(dataDir, { recursive: true, force: true });
      } catch {
        /* best effort */
      }
    }
  };
  const onExit = () => killAndClean();
  const onSignal = (sig: NodeJS.Signals) => {
    killAndClean();
    removeHandlers();
    // Keep the default behaviour (exit) unless someone else handles the signal.
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  const removeHandlers = () => {
    process.off("exit", onExit);
    for (const s of signals) process.off(s, onSignal);
  };
  if (!persistent) {
    process.on("exit", onExit);
    for (const s of signals) process.on(s, onSignal);
  }

  const start = (name: GoBinary, args: string[]) => {
    const logFile = join(logDir, `${name}.log`);
    logs[name] = logFile;
    const fd = openSync(logFile, "a");
    const child = spawn(binaryPath(name), args, {
      cwd: dataDir,
      stdio: ["ignore", fd, fd],
      detached: true,
      env: { ...process.env, GOMAXPROCS: "2" },
    });
    if (!child.pid) throw new Error(`could not start ${name}`);
    pids[name] = child.pid;
    appendFileSync(pidFile, `${child.pid}\n`);
    child.on("exit", (code, sig) => (exited[name] = sig ?? code ?? "?"));
    child.unref();
  };
  const checkProcs = () => {
    for (const [name, how] of Object.entries(exited)) {
      throw new Error(`${name} exited (${how}) during start; last log lines:\n${tail(logs[name] ?? "")}`);
    }
  };

  const stop = async () => {
    removeHandlers();
    const order: (GoBinary | "watchdog")[] = ["kwok", "kube-scheduler", "kube-controller-manager"];
    await stopPids(order.map((n) => pids[n] ?? 0), 5_000);
    await stopPids([pids["kube-apiserver"] ?? 0], 10_000);
    await stopPids([pids.etcd ?? 0, pids.watchdog ?? 0], 5_000);
    if (removeDataDir) rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    if (!persistent) {
      // If this process dies without running stop() (SIGKILL, crash), a tiny watchdog kills every
      // pid listed in <dataDir>/pids (appended as each component starts).
      const wd = spawn(
        "sh",
        [
          "-c",
          'while kill -0 "$OWNER" 2>/dev/null; do sleep 1; done; P=$(cat "$PIDFILE" 2>/dev/null); ' +
            "kill $P 2>/dev/null; sleep 5; kill -9 $P 2>/dev/null; " +
            (removeDataDir ? 'rm -rf "$DATADIR"' : "true"),
        ],
        {
          detached: true,
          stdio: "ignore",
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin", OWNER: String(process.pid), PIDFILE: pidFile, DATADIR: dataDir },
        },
      );
      wd.unref();
      pids.watchdog = wd.pid;
    }

    log(`starting etcd on 127.0.0.1:${ports.etcdClient} (data in ${dataDir})`);
    start("etcd", [
      "--name=default",
      `--data-dir=${join(dataDir, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${ports.etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${ports.etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${ports.etcdPeer}`,
      "--initial-cluster-state=new",
      "--unsafe-no-fsync=true",
      "--quota-backend-bytes=1073741824",
      "--log-level=warn",
    ]);
    await waitFor(
      "etcd /health",
      async () => (await get({ url: `http://127.0.0.1:${ports.etcdClient}/health` })).body.includes('"health":"true"'),
      { timeoutMs: 30_000, procs: checkProcs, log },
    );

    log(`starting kube-apiserver on ${server}`);
    start("kube-apiserver", [
      `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      // A loopback advertise address is not allowed in the kubernetes Service endpoints; nothing needs them.
      "--endpoint-reconciler-type=none",
      `--secure-port=${ports.apiserver}`,
      `--cert-dir=${join(dataDir, "apiserver-certs")}`,
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      // kubectl logs/exec/port-forward on the real node: the API server dials its kubelet at the
      // node's InternalIP (its hostname resolves nowhere) with the admin client certificate.
      "--kubelet-preferred-address-types=InternalIP,Hostname,InternalDNS,ExternalDNS,ExternalIP",
      `--kubelet-client-certificate=${pki.clients.admin.cert}`,
      `--kubelet-client-key=${pki.clients.admin.key}`,
      "--authorization-mode=Node,RBAC",
      "--enable-admission-plugins=NamespaceLifecycle,ServiceAccount,NodeRestriction,LimitRanger,ResourceQuota,DefaultTolerationSeconds,DefaultStorageClass,PodSecurity",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${pki.saPublicKey}`,
      `--service-account-signing-key-file=${pki.saPrivateKey}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      "--allow-privileged=true",
      "--profiling=false",
      "--event-ttl=1h",
      "--v=1",
    ]);
    const admin: Probe = { url: `${server}/readyz`, ca: pki.caCert, ...pki.clients.admin };
    await waitFor("kube-apiserver /readyz", async () => (await get(admin)).status === 200, {
      timeoutMs: 120_000,
      procs: checkProcs,
      log,
    });
    log(`kube-apiserver ready after ${((Date.now() - t0) / 1000).toFixed(1)}s`);

    start("kube-controller-manager", [
      `--kubeconfig=${kubeconfigs.controllerManager}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${ports.controllerManager}`,
      `--cert-dir=${join(dataDir, "controller-manager-certs")}`,
      "--leader-elect=false",
      "--use-service-account-credentials=true",
      `--service-account-private-key-file=${pki.saPrivateKey}`,
      `--root-ca-file=${pki.caCert}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      "--allocate-node-cidrs=false",
      "--controllers=*",
      "--profiling=false",
      "--v=1",
    ]);
    start("kube-scheduler", [
      `--kubeconfig=${kubeconfigs.scheduler}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${ports.scheduler}`,
      `--cert-dir=${join(dataDir, "scheduler-certs")}`,
      "--leader-elect=false",
      "--profiling=false",
      "--v=1",
    ]);
    const readyDelay = String(Math.max(0, Math.round(opts.readyDelayMs ?? 1000)));
    const stagesDir = join(dataDir, "stages");
    mkdirSync(stagesDir, { recursive: true });
    for (const f of ["nodes.yaml", "pods-upstream.yaml", "pods.yaml"]) {
      const text = readFileSync(join(CLUSTER_DIR, "stages", f), "utf8").replaceAll("__READY_DELAY_MS__", readyDelay);
      writeFileSync(join(stagesDir, f), text);
    }
    start("kwok", [
      `--kubeconfig=${kubeconfigs.kwok}`,
      "--manage-all-nodes=false",
      "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
      ...["nodes.yaml", "pods-upstream.yaml", "pods.yaml"].map((f) => `--config=${join(stagesDir, f)}`),
      `--cidr=${opts.podCIDR ?? DEFAULT_POD_CIDR}`,
      "--node-ip=127.0.0.1",
      `--node-port=${ports.kwok}`,
      `--server-address=127.0.0.1:${ports.kwok}`,
      // kwok renews each node's Lease (kube-node-lease), so the node lifecycle controller keeps them Ready.
      "--node-lease-duration-seconds=40",
    ]);
    const nodes = Array.from({ length: opts.nodes ?? 2 }, (_, i) => `kwok-node-${i}`);
    const bootstrap = [
      readFileSync(join(CLUSTER_DIR, "manifests", "managedcertificate-crd.yaml"), "utf8"),
      readFileSync(join(CLUSTER_DIR, "manifests", "backendconfig-crd.yaml"), "utf8"),
      readFileSync(join(CLUSTER_DIR, "manifests", "bootstrap.yaml"), "utf8"),
      ...nodes.map((n) => JSON.stringify(nodeManifest(n))),
    ].join("\n---\n");
    for (let attempt = 1; ; attempt++) {
      try {
        kubectl(kubeconfigs.admin, ["apply", "-f", "-"], bootstrap);
        break;
      } catch (e) {
        // A just-ready API server on a busy machine can still time out a write; retry a few times.
        if (attempt >= 5) throw e;
        log(`bootstrap apply failed (attempt ${attempt}), retrying: ${(e as Error).message.split("\n")[0]}`);
        await sleep(1000 * attempt);
      }
    }

    const https = (path: string): Probe => ({ url: `${server}${path}`, ca: pki.caCert, ...pki.clients.admin });
    const local = (port: number): Probe => ({ url: `https://127.0.0.1:${port}/healthz` });
    await waitFor("kube-controller-manager /healthz", async () => (await get(local(ports.controllerManager))).status === 200, {
      timeoutMs: 60_000,
      procs: checkProcs,
      log,
    });
    await waitFor("kube-scheduler /healthz", async () => (await get(local(ports.scheduler))).status === 200, {
      timeoutMs: 60_000,
      procs: checkProcs,
      log,
    });
    await waitFor(
      `${nodes.length} kwok nodes Ready`,
      async () => {
        const r = await get(https("/api/v1/nodes?labelSelector=type%3Dkwok"));
        const list = JSON.parse(r.body) as { items?: { status?: { conditions?: { type: string; status: string }[] } }[] };
        const ready = (list.items ?? []).filter((n) =>
          n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
        );
        return ready.length >= nodes.length;
      },
      { timeoutMs: 60_000, procs: checkProcs, log },
    );
    for (const crdName of ["managedcertificates.networking.gke.io", "backendconfigs.cloud.google.com"]) {
      await waitFor(
        `CRD ${crdName} established`,
        async () => {
          const r = await get(https(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}`));
          const crd = JSON.parse(r.body) as { status?: { conditions?: { type: string; status: string }[] } };
          return Boolean(crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True"));
        },
        { timeoutMs: 30_000, procs: checkProcs, log },
      );
    }
    await waitFor(
      "ServiceAccount openclaw/default (controller-manager working)",
      async () => (await get(https("/api/v1/namespaces/openclaw/serviceaccounts/default"))).status === 200,
      { timeoutMs: 60_000, procs: checkProcs, log },
    );

    const readySeconds = Math.round((Date.now() - t0) / 100) / 10;
    log(`cluster ready in ${readySeconds}s: KUBECONFIG=${kubeconfigs.admin}`);
    const state: ClusterState = {
      dataDir,
      removeDataDir,
      kubeconfig: kubeconfigs.admin,
      server,
      pids,
      ports,
      logs,
      nodes,
      namespace: "openclaw",
      startedAt: new Date(t0).toISOString(),
      readySeconds,
      helm: tools.helm,
      kubectl: tools.kubectl,
    };
    writeFileSync(join(dataDir, "state.json"), JSON.stringify(state, null, 2));
    return { ...state, stop };
  } catch (e) {
    const msg = (e as Error).message;
    const hints = Object.entries(logs)
      .map(([n, f]) => `--- ${n} (${f}) ---\n${tail(f, 15)}`)
      .join("\n");
    await stop().catch(() => undefined);
    throw new Error(`test cluster failed to start: ${msg}\n${hints}`, { cause: e });
  }
}

/** True when `pid` still runs the named binary (guards against pid reuse for stale state files). */
function runs(pid: number | undefined, name: string): boolean {
  if (!pid) return false;
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
    return argv0.endsWith(`/${name}`) || argv0 === name || (name === "watchdog" && argv0 === "sh");
  } catch {
    return false;
  }
}

/** Stops a cluster from its state file (what `cluster down` uses), then removes the state file. */
export async function stopFromState(stateFile: string): Promise<boolean> {
  if (!existsSync(stateFile)) return false;
  const state = JSON.parse(readFileSync(stateFile, "utf8")) as ClusterState;
  const p = state.pids;
  const own = (n: GoBinary | "watchdog") => (runs(p[n], n) ? (p[n] ?? 0) : 0);
  await stopPids([own("kwok"), own("kube-scheduler"), own("kube-controller-manager")], 5_000);
  await stopPids([own("kube-apiserver")], 10_000);
  await stopPids([own("etcd"), own("watchdog")], 5_000);
  rmSync(stateFile, { force: true });
  if (state.removeDataDir) rmSync(state.dataDir, { recursive: true, force: true });
  return true;
}
