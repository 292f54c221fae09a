/**
 * The deployment guide's steps 4-10, verbatim, on the test cluster's REAL node, with the real
 * `kubectl` and `helm` binaries run through bash: the commands are the ones written in
 * deploy/manager/DEPLOY.md and deploy/api/DEPLOY.md (each is checked to appear there word for
 * word, so the docs and this test cannot drift apart). Nothing runs in-process: the Manager and
 * the App API are pods built from their Dockerfiles, pinned by digest, talking to the API server
 * with their ServiceAccount, and every instance is a real gateway pod.
 *
 * What the test machine adds (not guide steps): the images imported into the node's containerd
 * under the guide's registry names (no registry is reachable; they are pinned by digest, so
 * nothing is ever pulled), the API server reachable from pods (api-for-pods.ts), a PostgreSQL
 * on the node's address for DATABASE_URL, volumes for the users' claims (no provisioner), and
 * placement: the kwok nodes are cordoned and the real node's taint lifted for this file, so the
 * guide's manifests land there unchanged. The only edit to the commands: `kubectl port-forward`
 * binds a free local port instead of 3000/4000 (other sessions share this machine), and the
 * curl URLs follow it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import "../../../test/setup/cluster.global.ts";
import { instanceNames } from "@clawbox/shared";
import { ensureImage, IMAGES } from "../../../test/images/dockerfile-image.ts";
import type { ImageRecord } from "../../../test/images/cache.ts";
import { kubectl } from "../../../test/cluster/cluster.ts";
import { REAL_NODE_IP, REAL_NODE_NAME, REAL_NODE_TAINT, startRealNode, type RealNode } from "../../../test/cluster/real-node/real-node.ts";
import { exposeApiServerToPods, type ApiForPods } from "../../../test/cluster/real-node/api-for-pods.ts";
import { freePort } from "../../../test/support/ports.ts";
import { poll } from "./harness.ts";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const MANAGER_DOC = readFileSync(join(REPO, "deploy/manager/DEPLOY.md"), "utf8");
const API_DOC = readFileSync(join(REPO, "deploy/api/DEPLOY.md"), "utf8");
const REGISTRY = "us-central1-docker.pkg.dev/learneroid/openclaw";
const POD_UID = 1000;
const log = (line: string) => process.stderr.write(`[guide] ${line}\n`);

// ---- The guide's commands, exactly as the DEPLOY.md files show them ----
const STEP4_5 = `kubectl create namespace clawbox-system     # the platform: Manager, App API, their Secrets
kubectl create namespace openclaw           # the users' instances
kubectl apply -f deploy/manager/k8s/rbac.yaml`;
const STEP6 = `API_KEY=$(openssl rand -hex 32)
kubectl create secret generic openclaw-manager -n clawbox-system \\
  --from-literal=API_KEY="$API_KEY" --from-literal=TOKEN_SECRET="$(openssl rand -hex 32)"`;
const STEP6_5 = `kubectl create secret generic openclaw-api \\
  -n clawbox-system \\
  --from-literal=DATABASE_URL="$DATABASE_URL" \\
  --from-literal=JWT_SECRET="$(openssl rand -base64 32)" \\
  --from-literal=MANAGER_URL="http://openclaw-manager:3000" \\
  --from-literal=MANAGER_API_KEY="$API_KEY" \\
  --from-literal=GOOGLE_CLIENT_ID="$GOOGLE_CLIENT_ID" \\
  --from-literal=APPLE_CLIENT_ID="$APPLE_CLIENT_ID" \\
  --from-literal=OPENROUTER_MANAGEMENT_KEY="$OPENROUTER_MANAGEMENT_KEY"`;
const STEP7_APPLY = `sed -e "s|openclaw-manager:latest|openclaw-manager@$MANAGER_DIGEST|" \\
    -e "s|imagePullPolicy: Always|imagePullPolicy: IfNotPresent|" \\
    -e "s|value: latest|value: $GATEWAY_DIGEST|" \\
    deploy/manager/k8s/manager-deployment.yaml | kubectl apply -f -`;
const STEP7_ROLLOUT = `kubectl rollout status -n clawbox-system deploy/openclaw-manager --timeout=600s`;
const STEP7_PODS = `kubectl get pods -n clawbox-system -l app.kubernetes.io/name=openclaw-manager`;
const STEP7_FORWARD = `kubectl port-forward -n clawbox-system svc/openclaw-manager 3000:3000`;
const STEP7_HEALTH = `curl http://localhost:3000/health`;
const STEP7_5_APPLY = `sed -e "s|openclaw-api:latest|openclaw-api@$API_DIGEST|" \\
    -e "s|imagePullPolicy: Always|imagePullPolicy: IfNotPresent|" \\
    deploy/api/k8s/api-deployment.yaml | kubectl apply -f -`;
const STEP7_5_ROLLOUT = `kubectl rollout status -n clawbox-system deploy/openclaw-api --timeout=600s`;
const STEP7_5_MIGRATE = `kubectl exec -n clawbox-system deploy/openclaw-api -- npm run migrate`;
const STEP7_5_FORWARD = `kubectl port-forward -n clawbox-system svc/openclaw-api 4000:4000`;
const STEP7_5_HEALTH = `curl http://localhost:4000/health`;
const STEP8_CREATE = `curl -X POST http://localhost:3000/api/instances \\
  -H "Authorization: Bearer $API_KEY" \\
  -H 'Content-Type: application/json' \\
  -d '{"userId": "alice", "secrets": {"ANTHROPIC_API_KEY": "sk-ant-..."}}'`;
const STEP8_PODS = `kubectl get pods -n openclaw -l openclaw.ai/user=alice`;
const STEP8_STATUS = `curl -H "Authorization: Bearer $API_KEY" http://localhost:3000/api/instances/alice`;
const STEP8B_VALUES = `cp deploy/helm/users/user-example.yaml deploy/helm/users/bob.yaml
sed -i 's/^userId: example$/userId: bob/' deploy/helm/users/bob.yaml`;
const STEP8B_INSTALL = `OPENCLAW_TOKEN_SECRET="$(kubectl get secret openclaw-manager -n clawbox-system -o jsonpath='{.data.TOKEN_SECRET}' | base64 -d)" \\
  bash deploy/scripts/deploy-user.sh install bob deploy/helm/users/bob.yaml --set image.tag="$GATEWAY_DIGEST"`;
const STEP10_OBJECTS = `kubectl get pods,svc,networkpolicy -n openclaw -l openclaw.ai/user=alice`;
const STEP10_RPC = `curl -X POST http://localhost:3000/api/instances/alice/rpc \\
  -H "Authorization: Bearer $API_KEY" \\
  -H 'Content-Type: application/json' \\
  -d '{"method": "status"}'`;
const STEP10_VNC_URL = `ws://localhost:3000/api/instances/alice/vnc?token=$API_KEY`;
const STEP10_NOAUTH = `curl http://localhost:3000/api/instances`;
const STEP10_INGRESS = `helm template test deploy/helm/openclaw/ -f deploy/helm/users/user-example.yaml --set tokenSecret=x | grep -c "kind: Ingress"`;
const STEP10_LOGS = `kubectl logs -n openclaw -l openclaw.ai/user=alice`;

let node: RealNode | undefined;
let apiForPods: ApiForPods | undefined;
let images: Record<"gateway" | "manager" | "api", ImageRecord>;
let env: Record<string, string>;
let managerPort = 0;
let apiPort = 0;
let apiKey = "";
const forwards: ChildProcess[] = [];
let pg: { root: string; data: string } | undefined;
let cordoned: string[] = [];

/** The only edit to a documented command: local ports 3000/4000 become this run's free ports. */
function localPorts(cmd: string): string {
  return cmd
    .replaceAll("localhost:3000", `localhost:${managerPort}`)
    .replaceAll("3000:3000", `${managerPort}:3000`)
    .replaceAll("localhost:4000", `localhost:${apiPort}`)
    .replaceAll("4000:4000", `${apiPort}:4000`);
}

/**
 * Runs a documented command with bash in the repo root; returns stdout, throws with stderr.
 * Asynchronous on purpose: the API server relay for the pods (api-for-pods.ts) lives in this
 * process, and a blocking spawnSync would starve it while `kubectl rollout status` waits.
 */
function sh(cmd: string, opts: { okExit?: number[]; timeoutMs?: number } = {}): Promise<string> {
  const t = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-o", "pipefail", "-c", localPorts(cmd)], { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 600_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const first = cmd.split("\n")[0]!.slice(0, 100);
      log(`$ ${first}${cmd.includes("\n") ? " ..." : ""} -> exit ${code} (${((Date.now() - t) / 1000).toFixed(1)}s)`);
      if (!(opts.okExit ?? [0]).includes(code ?? -1)) {
        reject(new Error(`command failed (exit ${code}):\n${cmd}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
      } else resolve(stdout);
    });
  });
}

/** `kubectl port-forward ... &` from the docs: kept running until the file ends. */
async function portForward(cmd: string, port: number): Promise<void> {
  const child = spawn("bash", ["-c", `exec ${localPorts(cmd)}`], { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
  forwards.push(child);
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  await poll(`${cmd} to listen`, async () => out.includes(`127.0.0.1:${port}`) || (child.exitCode !== null ? Promise.reject(new Error(out)) : false), 60_000, 200);
}

function admin(args: string[], stdin?: string): string {
  return kubectl(inject("kubeconfig"), args, stdin);
}

/** A volume for the user's claim on the node's disk (the test cluster has no provisioner). */
function provisionVolume(userId: string): void {
  const dir = join(inject("clusterDataDir"), "guide-pv", userId);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  chownSync(dir, POD_UID, POD_UID);
  const name = `guide-pv-${userId}`;
  admin(["delete", "pv", name, "--ignore-not-found", "--wait=false"]);
  admin(
    ["apply", "-f", "-"],
    JSON.stringify({
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name },
      spec: {
        capacity: { storage: "10Gi" },
        accessModes: ["ReadWriteOnce"],
        persistentVolumeReclaimPolicy: "Delete",
        storageClassName: "",
        hostPath: { path: dir, type: "Directory" },
        claimRef: { namespace: "openclaw", name: instanceNames(userId).pvc },
      },
    }),
  );
}

/** PostgreSQL 15 on the node's address (pods reach it there; DATABASE_URL's host), trust auth for the pod range. */
function startPostgres(): string {
  const BIN = "/usr/lib/postgresql/15/bin";
  const asPostgres = (cmd: string, args: string[]) => {
    const root = process.getuid?.() === 0;
    const r = root
      ? spawnSync("su", ["postgres", "-s", "/bin/sh", "-c", [cmd, ...args].map((a) => `'${a}'`).join(" ")], { encoding: "utf8" })
      : spawnSync(cmd, args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  const root = mkdtempSync(join(tmpdir(), "clawbox-guide-pg-"));
  chmodSync(root, 0o777);
  if (process.getuid?.() === 0) spawnSync("chown", ["postgres:postgres", root]);
  const data = join(root, "data");
  asPostgres(join(BIN, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
  asPostgres("sh", ["-c", `echo "host all all 10.213.0.0/24 trust" >> ${data}/pg_hba.conf`]);
  asPostgres(join(BIN, "pg_ctl"), ["-D", data, "-o", `-p 5432 -k ${root} -c listen_addresses=${REAL_NODE_IP} -c fsync=off`, "-l", join(root, "log.txt"), "-w", "start"]);
  pg = { root, data };
  asPostgres("psql", ["-h", root, "-p", "5432", "-U", "postgres", "-c", "CREATE DATABASE openclaw"]);
  return `postgresql://postgres:unused@${REAL_NODE_IP}:5432/openclaw`;
}

function firstWsMessage(url: string): Promise<{ data?: Buffer; status?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ["binary"]);
    const timer = setTimeout(() => reject(new Error("no VNC data within 60 s")), 60_000);
    ws.on("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      resolve({ status: res.statusCode });
    });
    ws.on("message", (d) => {
      clearTimeout(timer);
      resolve({ data: Buffer.from(d as Buffer) });
      ws.terminate();
    });
    ws.on("error", () => undefined);
  });
}

beforeAll(async () => {
  const kubeconfig = inject("kubeconfig");
  const cluster = { kubeconfig, dataDir: inject("clusterDataDir"), server: inject("clusterServer") };
  images = {
    gateway: await ensureImage(IMAGES.gateway, log),
    manager: await ensureImage(IMAGES.manager, log),
    api: await ensureImage(IMAGES.api, log),
  };
  node = await startRealNode(cluster, { log });
  // The guide's image names, pinned by digest: what `docker push` to the guide's registry gives.
  for (const img of Object.values(images)) await node.importImage({ ...img, repo: `${REGISTRY}/${img.repo.split("/").pop()}` });
  apiForPods = await exposeApiServerToPods(cluster, log);
  // The guide's manifests carry no test-cluster placement: pods go to the only schedulable node.
  cordoned = inject("clusterNodes");
  for (const n of cordoned) admin(["cordon", n]);
  admin(["taint", "nodes", REAL_NODE_NAME, `${REAL_NODE_TAINT.key}=${REAL_NODE_TAINT.value}:${REAL_NODE_TAINT.effect}-`]);
  // A fresh cluster, as the guide assumes: step 4 creates both namespaces.
  admin(["delete", "namespace", "clawbox-system", "openclaw", "--ignore-not-found", "--wait=true", "--timeout=300s"]);
  managerPort = await freePort();
  apiPort = await freePort();
  const tools = [dirname(inject("kubectlPath")), dirname(inject("helmPath"))];
  env = {
    ...(process.env as Record<string, string>),
    KUBECONFIG: kubeconfig,
    PATH: [...new Set(tools), process.env.PATH].join(delimiter),
    MANAGER_DIGEST: images.manager.digest,
    GATEWAY_DIGEST: images.gateway.digest,
    API_DIGEST: images.api.digest,
    DATABASE_URL: startPostgres(),
    GOOGLE_CLIENT_ID: "guide-test.apps.googleusercontent.com",
    APPLE_CLIENT_ID: "app.openclaw.guide-test",
    OPENROUTER_MANAGEMENT_KEY: "sk-or-guide-test-unused",
  };
}, 3_600_000);

afterAll(async () => {
  for (const f of forwards) f.kill("SIGTERM");
  rmSync(join(REPO, "deploy/helm/users/bob.yaml"), { force: true });
  try {
    // Leave the cluster as found: instances, platform and namespaces gone, openclaw back (the harness made it).
    admin(["delete", "namespace", "clawbox-system", "openclaw", "--ignore-not-found", "--wait=true", "--timeout=300s"]);
    admin(["create", "namespace", "openclaw"]);
    for (const n of cordoned) admin(["uncordon", n]);
  } catch (e) {
    log(`cleanup: ${(e as Error).message}`);
  }
  if (pg) {
    spawnSync("su", ["postgres", "-s", "/bin/sh", "-c", `/usr/lib/postgresql/15/bin/pg_ctl -D ${pg.data} -m fast -w stop`]);
    rmSync(pg.root, { recursive: true, force: true });
  }
  await apiForPods?.close();
  await node?.stop();
}, 600_000);

describe("the deployment guide, steps 4-10, on the real node", () => {
  it("every command the test runs is written in the DEPLOY.md files, word for word", () => {
    for (const cmd of [STEP4_5, STEP6, STEP7_APPLY, STEP7_ROLLOUT, STEP7_PODS, STEP7_FORWARD, STEP7_HEALTH, STEP8_CREATE, STEP8_PODS, STEP8_STATUS, STEP8B_VALUES, STEP8B_INSTALL, STEP10_OBJECTS, STEP10_RPC, STEP10_VNC_URL, STEP10_NOAUTH, STEP10_INGRESS, STEP10_LOGS]) {
      expect(MANAGER_DOC, "deploy/manager/DEPLOY.md").toContain(cmd);
    }
    for (const cmd of [STEP6_5, STEP7_5_APPLY, STEP7_5_ROLLOUT, STEP7_5_MIGRATE, STEP7_5_FORWARD, STEP7_5_HEALTH]) {
      expect(API_DOC, "deploy/api/DEPLOY.md").toContain(cmd);
    }
  });

  it("steps 4-7: namespaces, RBAC, the Manager's Secret, the Manager pod; /health through kubectl port-forward", async () => {
    await sh(STEP4_5);
    await sh(STEP6);
    apiKey = Buffer.from(admin(["get", "secret", "openclaw-manager", "-n", "clawbox-system", "-o", "jsonpath={.data.API_KEY}"]), "base64").toString();
    expect(apiKey).toMatch(/^[0-9a-f]{64}$/);
    env.API_KEY = apiKey;
    await sh(STEP7_APPLY);
    await sh(STEP7_ROLLOUT, { timeoutMs: 660_000 });
    const pods = await sh(STEP7_PODS);
    expect(pods).toMatch(/openclaw-manager-\S+\s+1\/1\s+Running/);
    const pod = JSON.parse(admin(["get", "pods", "-n", "clawbox-system", "-l", "app.kubernetes.io/name=openclaw-manager", "-o", "json"])).items[0];
    expect(pod.spec.nodeName).toBe(REAL_NODE_NAME);
    expect(pod.status.containerStatuses[0].containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(pod.status.containerStatuses[0].imageID).toContain(images.manager.digest);
    await portForward(STEP7_FORWARD, managerPort);
    expect(JSON.parse(await sh(STEP7_HEALTH))).toEqual({ ok: true });
  }, 900_000);

  it("steps 6.5 and 7.5: the App API's Secret, its pods (migrations in the initContainer), npm run migrate by kubectl exec, /health", async () => {
    expect(apiKey).not.toBe("");
    await sh(STEP6_5);
    await sh(STEP7_5_APPLY);
    await sh(STEP7_5_ROLLOUT, { timeoutMs: 660_000 });
    const pods = JSON.parse(admin(["get", "pods", "-n", "clawbox-system", "-l", "app.kubernetes.io/name=openclaw-api", "-o", "json"])).items;
    expect(pods.length).toBeGreaterThanOrEqual(2);
    for (const p of pods.filter((p: any) => !p.metadata.deletionTimestamp)) {
      expect(p.spec.nodeName).toBe(REAL_NODE_NAME);
      expect(p.status.initContainerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    }
    // Idempotent: the initContainers applied them; running it again applies nothing and succeeds.
    const migrate = await sh(STEP7_5_MIGRATE);
    log(`npm run migrate: ${migrate.trim().split("\n").slice(-2).join(" | ")}`);
    const tables = spawnSync("su", ["postgres", "-s", "/bin/sh", "-c", `psql -h ${pg!.root} -p 5432 -U postgres -d openclaw -Atc "select count(*) from drizzle.__drizzle_migrations"`], { encoding: "utf8" });
    expect(Number(tables.stdout.trim())).toBeGreaterThan(0);
    await portForward(STEP7_5_FORWARD, apiPort);
    expect(JSON.parse(await sh(STEP7_5_HEALTH))).toMatchObject({ ok: true });
  }, 900_000);

  it("step 8 (A): alice created through the Manager pod reaches running on the real node", async () => {
    provisionVolume("alice");
    const created = JSON.parse(await sh(STEP8_CREATE));
    expect(created).toMatchObject({ userId: "alice" });
    const running = await poll(
      "alice running",
      async () => {
        const s = JSON.parse(await sh(STEP8_STATUS));
        if (s.phase === "error") throw new Error(`alice: error: ${s.message}`);
        return s.phase === "running" ? s : undefined;
      },
      900_000,
      3000,
    );
    expect(running.ready).toBe(true);
    expect(await sh(STEP8_PODS)).toMatch(/alice-openclaw-\S+\s+2\/2\s+Running/);
    const pod = JSON.parse(admin(["get", "pods", "-n", "openclaw", "-l", "openclaw.ai/user=alice", "-o", "json"])).items[0];
    expect(pod.spec.nodeName).toBe(REAL_NODE_NAME);
    expect(pod.spec.containers[0].image).toBe(`${REGISTRY}/openclaw-gke@${images.gateway.digest}`);
  }, 960_000);

  it("step 10: objects, RPC status and the VNC banner through the Manager pod, 401 without the key, no Ingress in the chart, logs", async () => {
    const objects = await sh(STEP10_OBJECTS);
    expect(objects).toMatch(/pod\/alice-openclaw-/);
    expect(objects).toMatch(/service\/alice-openclaw/);
    expect(objects).toMatch(/networkpolicy\.networking\.k8s\.io\/alice-openclaw/);
    const rpc = JSON.parse(await sh(STEP10_RPC));
    expect(rpc).toHaveProperty("runtimeVersion");
    const vnc = await firstWsMessage(localPorts(STEP10_VNC_URL).replace("$API_KEY", apiKey));
    expect(vnc.status).toBeUndefined();
    expect(vnc.data?.toString()).toBe("RFB 003.008\n");
    expect(JSON.parse(await sh(STEP10_NOAUTH))).toEqual({ error: "Missing or invalid Authorization header" });
    expect((await sh(STEP10_INGRESS, { okExit: [0, 1] })).trim()).toBe("0");
    const logs = await sh(STEP10_LOGS);
    expect(logs.length).toBeGreaterThan(0);
    log(`kubectl logs (last lines): ${logs.trim().split("\n").slice(-3).join(" | ")}`);
  }, 300_000);

  it("step 8 (B): the Helm path, deploy-user.sh install bob; the Manager sees it and proxies its RPC", async () => {
    provisionVolume("bob");
    await sh(STEP8B_VALUES);
    await sh(STEP8B_INSTALL);
    const running = await poll(
      "bob running",
      async () => {
        const s = JSON.parse(await sh(STEP8_STATUS.replace("alice", "bob")));
        return s.phase === "running" ? s : undefined;
      },
      900_000,
      3000,
    );
    expect(running.ready).toBe(true);
    const pod = JSON.parse(admin(["get", "pods", "-n", "openclaw", "-l", "openclaw.ai/user=bob", "-o", "json"])).items[0];
    expect(pod.spec.nodeName).toBe(REAL_NODE_NAME);
    expect(pod.spec.containers[0].image).toBe(`${REGISTRY}/openclaw-gke@${images.gateway.digest}`);
    const rpc = JSON.parse(await sh(STEP10_RPC.replace("alice", "bob")));
    expect(rpc).toHaveProperty("runtimeVersion");
  }, 960_000);
});
