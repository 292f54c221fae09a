// The test cluster is real: RBAC from deploy/manager/k8s/rbac.yaml is enforced, the
// controller-manager turns a Deployment into a ReplicaSet and a Pod, the scheduler binds it to a
// kwok node, and kwok plays the kubelet (Ready, or a failure when a test asks for one).
import { spawnSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type CoreV1Event,
  type V1Deployment,
  type V1Pod,
} from "@kubernetes/client-node";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { managerServiceAccount } from "../../deploy/manager/test/harness.ts";
import { kubectl } from "./cluster.ts";
import { failPod, POD_ANNOTATIONS } from "./pod-behaviour.ts";

const NS = "openclaw";
const SMOKE_IMAGE_REPO = "ghcr.io/openclaw/openclaw";
const adminKubeconfig = inject("kubeconfig");

function clients(kubeconfigPath: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return {
    apps: kc.makeApiClient(AppsV1Api),
    core: kc.makeApiClient(CoreV1Api),
    rbac: kc.makeApiClient(RbacAuthorizationV1Api),
  };
}

function deployment(name: string, podAnnotations: Record<string, string> = {}): V1Deployment {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: NS, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: podAnnotations },
        spec: {
          automountServiceAccountToken: false,
          // What rbac.yaml's admission policy asks of every pod the Manager's ServiceAccount creates.
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "gateway",
              image: `${SMOKE_IMAGE_REPO}:test`,
              ports: [{ containerPort: 18789 }],
              resources: { requests: { cpu: "100m", memory: "128Mi" } },
              securityContext: { allowPrivilegeEscalation: false },
            },
          ],
        },
      },
    },
  };
}

/** Server-side apply (HTTP PATCH), the way the Manager writes: its Role grants patch, not create. */
async function applyDeployment(apps: AppsV1Api, body: V1Deployment): Promise<void> {
  await apps.patchNamespacedDeployment(
    { name: body.metadata?.name ?? "", namespace: NS, body, fieldManager: "clawbox-test", force: true },
    setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply),
  );
}

/** The Role grants list/watch on Deployments but not get: read one through a list. */
async function listDeployment(apps: AppsV1Api, name: string): Promise<V1Deployment | undefined> {
  return (await apps.listNamespacedDeployment({ namespace: NS, fieldSelector: `metadata.name=${name}` })).items[0];
}

async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 90_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function podsOf(core: CoreV1Api, app: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace: NS, labelSelector: `app=${app}` })).items;
}

function isReady(p: V1Pod): boolean {
  return Boolean(p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
}

async function statusCode(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e) {
    if (e instanceof ApiException) return e.code;
    throw e;
  }
}

describe("test cluster (real kube-apiserver + kwok)", () => {
  let saKubeconfig: string;

  beforeAll(async () => {
    // rbac.yaml (ServiceAccount in clawbox-system, Role here, the admission policy pinned to this test's image).
    saKubeconfig = await managerServiceAccount(adminKubeconfig, SMOKE_IMAGE_REPO);
  });

  it("as the manager ServiceAccount, a Deployment becomes a scheduled pod that goes Running then Ready", async () => {
    const { apps, core } = clients(saKubeconfig);
    const admin = clients(adminKubeconfig);
    const name = `smoke-${Date.now().toString(36)}`;
    // Hold the pod Running-but-not-Ready for a moment, as a gateway that is still starting.
    await applyDeployment(apps, deployment(name, { "clawbox.test/ready-delay": "3s" }));

    // The manager may not read ReplicaSets; the admin looks at what the controller-manager made.
    const rs = await poll("a ReplicaSet from the controller-manager", async () => {
      const list = await admin.apps.listNamespacedReplicaSet({ namespace: NS, labelSelector: `app=${name}` });
      return list.items.find((r) => r.metadata?.ownerReferences?.some((o) => o.kind === "Deployment" && o.name === name));
    });
    expect(rs.spec?.replicas).toBe(1);

    const seen = new Set<string>();
    const ready = await poll("the pod to be Ready", async () => {
      const [p] = await podsOf(core, name);
      if (!p) return undefined;
      const phase = p.status?.phase ?? "none";
      seen.add(`${phase}/${isReady(p) ? "ready" : "not-ready"}`);
      return isReady(p) ? p : undefined;
    });
    expect(ready.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "ReplicaSet", name: rs.metadata?.name });
    expect(inject("clusterNodes")).toContain(ready.spec?.nodeName);
    expect(ready.status?.phase).toBe("Running");
    expect(ready.status?.podIP).toBeTruthy();
    expect(ready.status?.containerStatuses?.[0]).toMatchObject({ name: "gateway", ready: true });
    expect([...seen]).toContain("Running/not-ready");
    expect([...seen]).toContain("Running/ready");

    const dep = await poll("the Deployment to report 1 available replica", async () => {
      const d = await listDeployment(apps, name);
      return d?.status?.availableReplicas === 1 ? d : undefined;
    });
    expect(dep.status?.readyReplicas).toBe(1);

    await apps.deleteNamespacedDeployment({ name, namespace: NS });
  });

  it("refuses the manager ServiceAccount what its Role does not grant (403)", async () => {
    const { core, rbac, apps } = clients(saKubeconfig);
    expect(await statusCode(core.listNode())).toBe(403);
    expect(
      await statusCode(
        rbac.createClusterRole({ body: { metadata: { name: "escalate" }, rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] } }),
      ),
    ).toBe(403);
    expect(await statusCode(apps.listNamespacedDeployment({ namespace: "default" }))).toBe(403);
    expect(await statusCode(core.deleteNamespacedPod({ name: "anything", namespace: NS }))).toBe(403);
    // It may write Secrets but never read them (see the comment in rbac.yaml).
    expect(await statusCode(core.listNamespacedSecret({ namespace: NS }))).toBe(403);
    // ...while what it is granted works.
    expect(await statusCode(core.listNamespacedPod({ namespace: NS }))).toBe(200);
    expect(await statusCode(apps.listNamespacedDeployment({ namespace: NS }))).toBe(200);
  });

  it("kubectl and helm from the pinned tools work against the cluster", () => {
    const kubectlBin = inject("kubectlPath");
    const helmBin = inject("helmPath");
    const canI = (args: string[]) =>
      spawnSync(kubectlBin, ["--kubeconfig", saKubeconfig, "auth", "can-i", ...args], { encoding: "utf8" }).stdout.trim();
    expect(canI(["patch", "deployments", "-n", NS])).toBe("yes");
    expect(canI(["patch", "managedcertificates.networking.gke.io", "-n", NS])).toBe("yes");
    expect(canI(["list", "nodes"])).toBe("no");
    // helm keeps releases in Secrets, which the manager may not read: helm runs as the admin here.
    const helm = spawnSync(helmBin, ["list", "-n", NS, "--kubeconfig", adminKubeconfig], { encoding: "utf8" });
    expect(helm.stderr).toBe("");
    expect(helm.status).toBe(0);
    expect(helm.stdout).toMatch(/^NAME\s+NAMESPACE/);
  });

  it.each([
    { fail: "ImagePullBackOff", eventReason: "BackOff", phase: "Pending" },
    { fail: "ErrImagePull", eventReason: "Failed", phase: "Pending" },
    { fail: "CrashLoopBackOff", eventReason: "BackOff", phase: "Running" },
  ])("a pod annotated clawbox.test/fail=$fail fails with that reason and a Warning event", async ({ fail, eventReason, phase }) => {
    const { apps, core } = clients(saKubeconfig);
    const name = `fail-${fail.toLowerCase()}-${Date.now().toString(36)}`;
    await applyDeployment(apps, deployment(name, { "clawbox.test/fail": fail }));

    const pod = await poll(`a pod waiting with ${fail}`, async () => {
      const [p] = await podsOf(core, name);
      return p?.status?.containerStatuses?.[0]?.state?.waiting?.reason === fail ? p : undefined;
    });
    expect(pod.status?.phase).toBe(phase);
    expect(isReady(pod)).toBe(false);
    expect(pod.spec?.nodeName).toBeTruthy();
    const cs = pod.status?.containerStatuses?.[0];
    expect(cs?.ready).toBe(false);
    if (fail === "CrashLoopBackOff") {
      expect(cs?.restartCount).toBe(1);
      expect(cs?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
      expect(cs?.state?.waiting?.message).toContain("restarting failed container=gateway");
    } else {
      expect(cs?.state?.waiting?.message).toContain("ghcr.io/openclaw/openclaw:test");
    }

    const podName = pod.metadata?.name ?? "";
    const event = await poll<CoreV1Event>(`a Warning ${eventReason} event for ${podName}`, async () => {
      const evs = await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=${podName}` });
      return evs.items.find((e) => e.type === "Warning" && e.reason === eventReason);
    });
    expect(event.involvedObject.kind).toBe("Pod");

    // The Deployment reports the pod as unavailable.
    const dep = await listDeployment(apps, name);
    expect(dep?.status?.availableReplicas ?? 0).toBe(0);
    await apps.deleteNamespacedDeployment({ name, namespace: NS });
  });

  it("failPod() turns a Ready pod into CrashLoopBackOff (a gateway that dies after starting)", async () => {
    const { apps, core } = clients(saKubeconfig);
    const name = `dies-${Date.now().toString(36)}`;
    await applyDeployment(apps, deployment(name, { [POD_ANNOTATIONS.readyDelay]: "0s" }));
    const ready = await poll("the pod to be Ready", async () => {
      const [p] = await podsOf(core, name);
      return p && isReady(p) ? p : undefined;
    });
    const podName = ready.metadata?.name ?? "";
    failPod(adminKubeconfig, NS, podName, "CrashLoopBackOff");
    const failed = await poll("the pod to crash-loop", async () => {
      const [p] = await podsOf(core, name);
      return p?.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff" ? p : undefined;
    });
    expect(isReady(failed)).toBe(false);
    expect(failed.status?.podIP).toBe(ready.status?.podIP);
    await apps.deleteNamespacedDeployment({ name, namespace: NS });
  });

  it("serves the APIs the Manager and the chart use: NetworkPolicy, Ingress, ManagedCertificate, BackendConfig, ValidatingAdmissionPolicy", async () => {
    const out = kubectl(adminKubeconfig, ["api-resources", "-o", "name"]);
    expect(out).toContain("networkpolicies.networking.k8s.io");
    expect(out).toContain("ingresses.networking.k8s.io");
    expect(out).toContain("managedcertificates.networking.gke.io");
    expect(out).toContain("backendconfigs.cloud.google.com");
    expect(out).toContain("validatingadmissionpolicies.admissionregistration.k8s.io");
    // As the manager: a ManagedCertificate with an invalid domain is rejected by the CRD schema.
    const bad = spawnSync(
      inject("kubectlPath"),
      ["--kubeconfig", saKubeconfig, "apply", "--server-side", "--field-manager=clawbox-test", "-f", "-"],
      {
        input: JSON.stringify({
          apiVersion: "networking.gke.io/v1",
          kind: "ManagedCertificate",
          metadata: { name: "bad", namespace: NS },
          spec: { domains: ["not a domain"] },
        }),
        encoding: "utf8",
      },
    );
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("spec.domains[0]");
    kubectl(saKubeconfig, ["apply", "--server-side", "--field-manager=clawbox-test", "-f", "-"], JSON.stringify({
      apiVersion: "networking.gke.io/v1",
      kind: "ManagedCertificate",
      metadata: { name: "good", namespace: NS },
      spec: { domains: ["u1.claw.example.com"] },
    }));
    kubectl(saKubeconfig, ["delete", "managedcertificate", "good", "-n", NS]);
  });
});
