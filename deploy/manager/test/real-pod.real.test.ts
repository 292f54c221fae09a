/**
 * A real pod: an instance created through the real Manager (KubernetesRuntime, as the
 * openclaw-manager ServiceAccount) runs the gateway image built here from Dockerfile.gke on the
 * test cluster's REAL node (containerd + runc, CNI bridge, kube-proxy, kube-router's firewall).
 * The pod lands there only because the Manager is configured with the node's toleration and
 * selector; the image is pinned by digest. Shown with the container ID from the pod status (and
 * that container running in the node's containerd under the pod's security context), a real
 * `status` RPC Manager -> agent -> gateway, and a Chromium screenshot taken inside the pod.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import "../../../test/setup/cluster.global.ts";
import { instanceNames, type InstanceStatus } from "@clawbox/shared";
import { kubectl } from "../../../test/cluster/cluster.ts";
import type { ImageRecord } from "../../../test/images/cache.ts";
import { REAL_NODE_NAME, realNodePlacement, type RealNode } from "../../../test/cluster/real-node/real-node.ts";
import { POD_UID, startRealPodEnv, type RealPodEnv } from "./real-node-env.ts";
import { MANAGER_POD_LABELS } from "../src/k8s/builders/labels.ts";
import { AGENT_PORT, NOVNC_PORT, STATE_DIR } from "../src/k8s/builders/pod-layout.ts";
import { API_KEY, NAMESPACE, PLATFORM_NAMESPACE, poll, type RunningManager } from "./harness.ts";
import type { KubeClient } from "../src/k8s/client.ts";

const log = (line: string) => process.stderr.write(`[real-pod] ${line}\n`);
const auth = { authorization: `Bearer ${API_KEY}` };
const USER = "realpod";

let env: RealPodEnv;
let node: RealNode;
let m: RunningManager;
let admin: KubeClient;
let gateway: ImageRecord;
let instancePodIP = "";
const OTHER_NS = "real-np-other";

/**
 * A one-shot pod on the real node that dials host:ports (TCP, 5 s each) and exits 0 only if every
 * dial has the expected outcome; returns the pod's final phase (Succeeded / Failed) and its output.
 * Expecting "open", it retries for up to 30 s: kube-router adds a new pod's address to the
 * policy's ipsets on the pod's update event, which can come a moment after the container starts.
 */
async function probe(name: string, namespace: string, labels: Record<string, string>, host: string, ports: number[], expectOpen: boolean): Promise<{ phase: string; output: string }> {
  const script = `
    const net = require("node:net");
    const dial = (port) => new Promise((resolve) => {
      const s = net.connect({ host: ${JSON.stringify(host)}, port, timeout: 5000 });
      s.on("connect", () => { s.destroy(); resolve(true); });
      s.on("timeout", () => { s.destroy(); resolve(false); });
      s.on("error", () => resolve(false));
    });
    const deadline = Date.now() + (${expectOpen} ? 30000 : 0);
    const once = () => Promise.all(${JSON.stringify(ports)}.map(dial)).then((open) => {
      console.log(JSON.stringify({ ports: ${JSON.stringify(ports)}, open }));
      if (open.every((o) => o === ${expectOpen})) process.exit(0);
      if (Date.now() > deadline) process.exit(1);
      setTimeout(once, 1000);
    });
    once();`;
  await admin.apply(
    `/api/v1/namespaces/${namespace}/pods/${name}`,
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace, labels },
      spec: {
        ...realNodePlacement(),
        restartPolicy: "Never",
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: POD_UID, runAsGroup: POD_UID, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
          {
            name: "probe",
            image: `${gateway.repo}@${gateway.digest}`,
            imagePullPolicy: "IfNotPresent",
            command: ["node", "-e", script],
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            resources: { limits: { memory: "128Mi", cpu: "500m" } },
          },
        ],
      },
    },
    "clawbox-test",
  );
  const phase = await poll(
    `probe ${namespace}/${name} to finish`,
    async () => {
      const pod = (await admin.request<any>("get", "GET", `/api/v1/namespaces/${namespace}/pods/${name}`)).body;
      return ["Succeeded", "Failed"].includes(pod.status?.phase) ? (pod.status.phase as string) : undefined;
    },
    120_000,
    500,
  );
  // This machine is the node: read the container's log where the kubelet writes it.
  const logs = join(inject("clusterDataDir"), "real-node", "pod-logs");
  const dir = readdirSync(logs).find((d) => d.startsWith(`${namespace}_${name}_`));
  const output = dir ? readFileSync(join(logs, dir, "probe", "0.log"), "utf8") : "(no log)";
  return { phase, output };
}

/** `kubectl exec` into the instance's gateway container (the real binary, as the cluster admin). */
function kubectlExec(command: string[]): string {
  return kubectl(inject("kubeconfig"), ["exec", "-n", NAMESPACE, `deploy/${instanceNames(USER).deployment}`, "-c", "gateway", "--", ...command]);
}

async function api(method: "GET" | "POST" | "DELETE", url: string, payload?: object) {
  const res = await m.app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) });
  return res;
}

beforeAll(async () => {
  const kubeconfig = inject("kubeconfig");
  env = await startRealPodEnv({ kubeconfig, dataDir: inject("clusterDataDir"), server: inject("clusterServer") }, log);
  ({ node, manager: m, admin, gateway } = env);
  await env.provisionVolume(USER);
}, 3_600_000);

afterAll(async () => {
  await admin?.request("delete", "DELETE", `/api/v1/namespaces/${PLATFORM_NAMESPACE}/pods/manager-like`).catch(() => undefined);
  await admin?.request("delete", "DELETE", `/api/v1/namespaces/${NAMESPACE}/pods/impostor`).catch(() => undefined);
  await admin?.request("delete", "DELETE", `/api/v1/namespaces/${OTHER_NS}`).catch(() => undefined);
  if (m) await api("DELETE", `/api/instances/${USER}?preservePvc=false`).catch(() => undefined);
  await env?.close();
}, 300_000);

describe("a real pod on the real node", () => {
  it("an instance created through the Manager runs the real gateway container; status RPC and a screenshot come back", async () => {
    const t0 = Date.now();
    const created = await api("POST", "/api/instances", { userId: USER });
    expect(created.statusCode).toBe(201);
    const running = await poll(
      `${USER} running on ${REAL_NODE_NAME}`,
      async () => {
        const s = (await api("GET", `/api/instances/${USER}`)).json() as InstanceStatus;
        if (s.phase === "error") throw new Error(`instance error: ${s.message}`);
        return s.phase === "running" ? s : undefined;
      },
      600_000,
      1000,
    );
    log(`create -> running on the real node: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    expect(running.ready).toBe(true);

    const pods = (await admin.request<any>("get", "GET", `/api/v1/namespaces/${NAMESPACE}/pods?labelSelector=openclaw.ai%2Fuser%3D${USER}`)).body.items;
    expect(pods).toHaveLength(1);
    const pod = pods[0];
    expect(pod.spec.nodeName).toBe(REAL_NODE_NAME);
    expect(pod.status.podIP).toMatch(/^10\.213\.0\.\d+$/);
    instancePodIP = pod.status.podIP;
    const gw = pod.status.containerStatuses.find((c: any) => c.name === "gateway");
    expect(gw.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(gw.imageID).toContain(gateway.digest);
    expect(gw.state.running).toBeTruthy();

    // The same container, running in the node's containerd; its process under the pod's security context.
    const id = gw.containerID.slice("containerd://".length);
    const task = node.ctr(["tasks", "ls"]).split("\n").find((l) => l.startsWith(id));
    expect(task).toMatch(/RUNNING/);
    const pid = Number(task!.split(/\s+/)[1]);
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    expect(status).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
    expect(status).toMatch(/^CapEff:\s+0000000000000000$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(status).toMatch(/^Seccomp:\s+2$/m);

    const rpc = await api("POST", `/api/instances/${USER}/rpc`, { method: "status" });
    expect(rpc.statusCode).toBe(200);
    expect(rpc.json()).toHaveProperty("runtimeVersion");

    // Chromium's first start in the pod can outlast the gateway's browser timeout on a busy node
    // (503 "browser request timed out"); a user would ask again, and so does the test, a few times.
    let shot = await api("GET", `/api/instances/${USER}/screenshot`);
    for (let attempt = 1; attempt < 4 && shot.statusCode === 503 && /timed out/.test(shot.body); attempt++) {
      log(`screenshot attempt ${attempt}: ${shot.body.slice(0, 200)}; asking again`);
      shot = await api("GET", `/api/instances/${USER}/screenshot`);
    }
    expect(shot.statusCode, shot.body.slice(0, 500)).toBe(200);
    expect(shot.headers["content-type"]).toBe("image/png");
    expect(shot.rawPayload.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  }, 900_000);

  it("NetworkPolicy is enforced by kube-router: a pod in another namespace, or one wearing the Manager's label outside the platform namespace, cannot dial the agent or noVNC port; a Manager-labelled pod in the platform namespace can", async () => {
    expect(instancePodIP).not.toBe("");
    await admin.apply(`/api/v1/namespaces/${OTHER_NS}`, { apiVersion: "v1", kind: "Namespace", metadata: { name: OTHER_NS } }, "clawbox-test");
    const ports = [AGENT_PORT, NOVNC_PORT];
    // Positive control first: the same dial from a pod the instance's policy admits succeeds, so a
    // refusal below is the policy, not a broken network.
    const admitted = await probe("manager-like", PLATFORM_NAMESPACE, { ...MANAGER_POD_LABELS }, instancePodIP, ports, true);
    expect(admitted.phase, admitted.output).toBe("Succeeded");
    const refused = await probe("outsider", OTHER_NS, { app: "outsider" }, instancePodIP, ports, false);
    expect(refused.phase, refused.output).toBe("Succeeded");
    // The label alone is not enough: the policy admits Manager pods of the platform namespace only.
    const impostor = await probe("impostor", NAMESPACE, { ...MANAGER_POD_LABELS }, instancePodIP, ports, false);
    expect(impostor.phase, impostor.output).toBe("Succeeded");
  }, 300_000);

  it("a node-level containerd restart loses no instance data: a file written in the state volume through kubectl exec is still there, same container, instance running again", async () => {
    const gatewayContainer = async () => {
      const pods = (await admin.request<any>("get", "GET", `/api/v1/namespaces/${NAMESPACE}/pods?labelSelector=openclaw.ai%2Fuser%3D${USER}`)).body.items;
      return pods[0].status.containerStatuses.find((c: any) => c.name === "gateway");
    };
    const before = await gatewayContainer();
    // Written by the pod itself (uid 1000) into its PVC, through the API server -> kubelet -> containerd exec path.
    const marker = `survives-${Date.now()}`;
    kubectlExec(["sh", "-c", `echo ${marker} > ${STATE_DIR}/survival.txt`]);
    // The instance's state volume on the node's disk (provisionVolume): the gateway's own config is there.
    const state = join(inject("clusterDataDir"), "real-pv", USER, "openclaw.json");
    const config = readFileSync(state, "utf8");
    await node.restartContainerd();
    const id = before.containerID.slice("containerd://".length);
    expect(node.ctr(["tasks", "ls"]).split("\n").find((l) => l.startsWith(id))).toMatch(/RUNNING/);
    expect(readFileSync(state, "utf8")).toBe(config);
    // exec needs the restarted containerd (kubelet's CRI connection comes back on its own).
    const readBack = await poll("kubectl exec after the containerd restart", async () => {
      try {
        return kubectlExec(["cat", `${STATE_DIR}/survival.txt`]);
      } catch {
        return undefined;
      }
    }, 120_000, 2000);
    expect(readBack.trim()).toBe(marker);
    const rpc = await poll("status RPC after the containerd restart", async () => {
      const r = await api("POST", `/api/instances/${USER}/rpc`, { method: "status" });
      return r.statusCode === 200 ? r : undefined;
    }, 60_000, 1000);
    expect(rpc.json()).toHaveProperty("runtimeVersion");
    // The kubelet sees the same container after it reconnects: no restart, same ID.
    const after = await poll("kubelet to report the gateway again", async () => {
      const c = await gatewayContainer();
      return c?.state?.running ? c : undefined;
    }, 60_000, 1000);
    expect(after.containerID).toBe(before.containerID);
    expect(after.restartCount).toBe(before.restartCount);
    const s = (await api("GET", `/api/instances/${USER}`)).json() as InstanceStatus;
    expect(s.phase).toBe("running");
  }, 300_000);

  it("a gateway over its memory limit is OOM-killed by the kernel: the Manager reports OOMKilled (then error), and the instance recovers to running with its data", async () => {
    const before = (await api("GET", `/api/instances/${USER}`)).json() as InstanceStatus;
    expect(before.phase).toBe("running");
    // The Manager's resources override (a POST for an existing user updates it): a 256Mi limit, far
    // below what the gateway needs to start (it idles at ~0.8-1.0 GB). The new pod's gateway
    // process outgrows its memory cgroup and the kernel's OOM killer ends it; kubelet restarts it.
    const small = await api("POST", "/api/instances", { userId: USER, resources: { requests: { memory: "192Mi" }, limits: { memory: "256Mi" } } });
    expect(small.statusCode, small.body).toBeLessThan(300);
    const phases = new Set<string>();
    const oom = await poll("the Manager to report OOMKilled", async () => {
      const s = (await api("GET", `/api/instances/${USER}`)).json() as InstanceStatus;
      phases.add(s.phase);
      return s.pods.find((p) => p.lastState?.reason === "OOMKilled") ? s : undefined;
    }, 600_000, 500);
    const killed = oom.pods.find((p) => p.lastState?.reason === "OOMKilled")!;
    log(`after the OOM kill: phase ${oom.phase}, lastState ${JSON.stringify(killed.lastState)}, restarts ${killed.restartCount}`);
    expect(killed.lastState).toMatchObject({ status: "terminated", reason: "OOMKilled", exitCode: 137 });
    expect(killed.restartCount).toBeGreaterThanOrEqual(1);
    // The kubelet's memory limit on that container, read from the pod the Manager made.
    const pod = (await admin.request<any>("get", "GET", `/api/v1/namespaces/${NAMESPACE}/pods/${killed.name}`)).body;
    expect(pod.spec.containers.find((c: any) => c.name === "gateway").resources.limits.memory).toBe("256Mi");
    // It keeps being killed on every start: CrashLoopBackOff, which the Manager reports as an error.
    const failed = await poll("the Manager to report the crash loop as an error", async () => {
      const s = (await api("GET", `/api/instances/${USER}`)).json() as InstanceStatus;
      phases.add(s.phase);
      return s.phase === "error" ? s : undefined;
    }, 600_000, 1000);
    log(`error: ${failed.message}; phases seen ${[...phases].join(" -> ")}`);
    // Recovery: the same POST without the override restores the default resources.
    const restored = await api("POST", "/api/instances", { userId: USER });
    expect(restored.statusCode, restored.body).toBeLessThan(300);
    const back = await poll("running after the OOM kills", async () => {
      const s = (await api("GET", `/api/instances/${USER}`)).json() as InstanceStatus;
      return s.phase === "running" ? s : undefined;
    }, 600_000, 1000);
    expect(back.ready).toBe(true);
    // Same claim, data intact (written before the containerd restart above), and the RPC answers.
    expect(kubectlExec(["cat", `${STATE_DIR}/survival.txt`]).trim()).toMatch(/^survives-\d+$/);
    const rpc = await api("POST", `/api/instances/${USER}/rpc`, { method: "status" });
    expect(rpc.statusCode).toBe(200);
  }, 1_800_000);
});
