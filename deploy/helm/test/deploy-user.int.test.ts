// deploy-user.sh against the real test cluster: the guide's Step 8 method B and its Helm
// operations (install, status, delete keeping the PVC, reinstall reusing it, purge).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { deriveInstanceToken } from "@clawbox/shared";
import { kubectl as kubectlIn } from "../../../test/cluster/cluster.ts";
import { DEPLOY_USER, REPO_ROOT, USER_EXAMPLE } from "./helm.ts";

// A namespace of its own (deploy-user.sh honours NAMESPACE), so other test files using "alice" in
// the shared openclaw namespace never see these objects, and the other way round.
const NS = "deploy-user-test";
const kubeconfig = inject("kubeconfig");
// The chart makes no random tokens: deploy-user.sh derives them from this, as the Manager would.
const TOKEN_SECRET = "deploy-user-int-token-secret";
const env = {
  ...process.env,
  KUBECONFIG: kubeconfig,
  HELM: inject("helmPath"),
  KUBECTL: inject("kubectlPath"),
  NAMESPACE: NS,
  OPENCLAW_TOKEN_SECRET: TOKEN_SECRET,
};
const kubectl = (args: string[], input?: string) => kubectlIn(kubeconfig, args, input);

// Every kind the chart or the Manager creates for a user (ManagedCertificate only with an Ingress).
const KINDS = "deployments,replicasets,pods,services,secrets,configmaps,networkpolicies,ingresses,persistentvolumeclaims,managedcertificates.networking.gke.io";

type Item = { kind: string; metadata: { name: string; uid: string; deletionTimestamp?: string }; status?: { conditions?: { type: string; status: string }[] }; data?: Record<string, string> };

function deployUser(...args: string[]) {
  const r = spawnSync("bash", [DEPLOY_USER, ...args], { cwd: REPO_ROOT, env, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function labelled(user: string): Item[] {
  return (JSON.parse(kubectl(["get", KINDS, "-n", NS, "-l", `openclaw.ai/user=${user}`, "-o", "json"])) as { items: Item[] }).items;
}

const kindsOf = (items: Item[]) => items.map((i) => `${i.kind}/${i.metadata.name}`).sort();

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

function readyPod(user: string): Item | undefined {
  return labelled(user).find(
    (i) => i.kind === "Pod" && !i.metadata.deletionTimestamp && i.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  );
}

/**
 * The test cluster has no volume provisioner: a pre-provisioned volume bound to the user's claim
 * name stands in for the cloud disk (Retain, so the PV outlives the claim and the test removes it).
 * Both name the StorageClass STORAGE_CLASS, so binding never depends on the cluster's default class.
 */
const STORAGE_CLASS = "deploy-user-test-static";
function provisionVolume(user: string): string {
  const name = `${NS}-${user}-data`;
  kubectl(
    ["apply", "-f", "-"],
    JSON.stringify({
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name },
      spec: {
        capacity: { storage: "10Gi" },
        accessModes: ["ReadWriteOnce"],
        persistentVolumeReclaimPolicy: "Retain",
        storageClassName: STORAGE_CLASS,
        hostPath: { path: `/tmp/${name}` },
        claimRef: { namespace: NS, name: `${user}-openclaw-data` },
      },
    }),
  );
  return name;
}

describe("deploy-user.sh on the test cluster", () => {
  let dir: string;
  let values: string;
  const volumes: string[] = [];

  beforeAll(() => {
    kubectl(["create", "namespace", NS]);
    // Pod Security "restricted" enforced: the instance pod must pass it or it is never created.
    kubectl(["label", "namespace", NS, "pod-security.kubernetes.io/enforce=restricted"]);
    dir = mkdtempSync(join(tmpdir(), "deploy-user-"));
    // The guide: cp deploy/helm/users/user-example.yaml deploy/helm/users/alice.yaml, then set userId and secrets.
    values = join(dir, "alice.yaml");
    writeFileSync(
      values,
      readFileSync(USER_EXAMPLE, "utf8").replace(/^userId: example$/m, "userId: alice").replace("sk-ant-...", "sk-ant-test-alice") +
        `persistence:\n  storageClass: ${STORAGE_CLASS}\n`,
    );
    volumes.push(provisionVolume("alice"));
  });

  afterAll(() => {
    deployUser("purge", "alice");
    deployUser("purge", "bob");
    for (const v of volumes) kubectl(["delete", "pv", v, "--ignore-not-found", "--wait=false"]);
    kubectl(["delete", "namespace", NS, "--wait=false"]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs in a namespace that enforces Pod Security restricted (a plain pod is refused)", () => {
    expect(() => kubectl(["run", "plain", "-n", NS, "--image=busybox", "--restart=Never"])).toThrow(/violates PodSecurity "restricted/);
  });

  let pvcUid = "";
  let gatewayToken = "";

  it("install creates the objects and the pod becomes Ready", async () => {
    const r = deployUser("install", "alice", values);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("STATUS: deployed");
    const names = kindsOf(labelled("alice")).filter((n) => !/^(Pod|ReplicaSet)\//.test(n));
    expect(names).toEqual(
      [
        "ConfigMap/alice-openclaw",
        "Deployment/alice-openclaw",
        "NetworkPolicy/alice-openclaw",
        "PersistentVolumeClaim/alice-openclaw-data",
        "Secret/alice-openclaw",
        "Secret/alice-openclaw-model",
        "Service/alice-openclaw",
      ].sort(),
    );
    const pod = await until("alice's pod Ready", () => readyPod("alice"));
    expect(pod.metadata.name).toMatch(/^alice-openclaw-/);
    const pvc = labelled("alice").find((i) => i.kind === "PersistentVolumeClaim")!;
    pvcUid = pvc.metadata.uid;
    const secret = labelled("alice").find((i) => i.kind === "Secret" && i.metadata.name === "alice-openclaw")!;
    gatewayToken = Buffer.from(secret.data!.OPENCLAW_GATEWAY_TOKEN!, "base64").toString();
    expect(gatewayToken).toBe(deriveInstanceToken(TOKEN_SECRET, "gateway", "alice"));
    const modelSecret = labelled("alice").find((i) => i.kind === "Secret" && i.metadata.name === "alice-openclaw-model")!;
    expect(Buffer.from(modelSecret.data!.ANTHROPIC_API_KEY!, "base64").toString()).toBe("sk-ant-test-alice");
  });

  it("status shows the release and the Ready pod", () => {
    const r = deployUser("status", "alice");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("NAME: alice-openclaw");
    expect(r.stdout).toContain("STATUS: deployed");
    expect(r.stdout).toMatch(/pod\/alice-openclaw-\S+\s+2\/2\s+Running/);
    expect(r.stdout).toMatch(/persistentvolumeclaim\/alice-openclaw-data\s+Bound/);
  });

  it("upgrade keeps the tokens (derived again from the same secret)", () => {
    const r = deployUser("upgrade", "alice", values, "--set", "image.tag=v2");
    expect(r.status).toBe(0);
    const secret = labelled("alice").find((i) => i.kind === "Secret" && i.metadata.name === "alice-openclaw")!;
    expect(Buffer.from(secret.data!.OPENCLAW_GATEWAY_TOKEN!, "base64").toString()).toBe(gatewayToken);
  });

  it("delete leaves only the PVC", async () => {
    const r = deployUser("delete", "alice");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Kept PVC alice-openclaw-data");
    const left = await until("only the PVC left", () => {
      const items = labelled("alice");
      return items.every((i) => i.kind === "PersistentVolumeClaim") ? items : undefined;
    });
    expect(kindsOf(left)).toEqual(["PersistentVolumeClaim/alice-openclaw-data"]);
    expect(left[0]!.metadata.uid).toBe(pvcUid);
  });

  it("install again reuses the kept PVC", async () => {
    const r = deployUser("install", "alice", values);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    await until("alice's pod Ready again", () => readyPod("alice"));
    const pvcs = labelled("alice").filter((i) => i.kind === "PersistentVolumeClaim");
    expect(pvcs.map((p) => p.metadata.uid)).toEqual([pvcUid]);
  });

  it("purge leaves nothing labelled for the user", async () => {
    const r = deployUser("purge", "alice");
    expect(r.status).toBe(0);
    await until("nothing labelled alice", () => (labelled("alice").length === 0 ? true : undefined));
    const again = deployUser("purge", "alice");
    expect(again.status).toBe(0);
  });

  it("with ingress.enabled=true installs the Ingress and ManagedCertificate, and purge removes them", async () => {
    const bob = join(dir, "bob.yaml");
    writeFileSync(bob, `userId: bob\nsecrets: {}\ningress:\n  enabled: true\npersistence:\n  storageClass: ${STORAGE_CLASS}\n`);
    volumes.push(provisionVolume("bob"));
    const r = deployUser("install", "bob", bob);
    expect(r.status).toBe(0);
    expect(kindsOf(labelled("bob"))).toEqual(expect.arrayContaining(["Ingress/bob-openclaw", "ManagedCertificate/bob-openclaw"]));
    expect(deployUser("purge", "bob").status).toBe(0);
    await until("nothing labelled bob", () => (labelled("bob").length === 0 ? true : undefined));
  });
});
