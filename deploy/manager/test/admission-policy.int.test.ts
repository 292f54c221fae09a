// The namespace split and the admission policy of deploy/manager/k8s/rbac.yaml, on the test
// cluster's real kube-apiserver (v1.37: ValidatingAdmissionPolicy is GA and on by default):
// - the Manager's ServiceAccount lives in the platform namespace and has no rights there;
// - in the instance namespace, as that ServiceAccount, a Deployment with another image, a hostPath
//   volume, a root pod, ... is refused by the policy, while a normal instance create works;
// - the platform's NetworkPolicies (manifests) are accepted by the API server as written.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type {} from "../../../test/setup/cluster.global.ts";
import { buildDeployment, buildService, instanceSpecFromInput } from "../src/services/k8s-resource-builder.ts";
import { KubeApiError, KubeClient } from "../src/services/k8s-client.ts";
import { adminClient, API_KEY, NAMESPACE, PLATFORM_NAMESPACE, poll, provisionVolume, type RunningManager, startManager, TEST_IMAGE_REPO } from "./harness.ts";

const run = Date.now().toString(36).slice(-5);
const apps = `/apis/apps/v1/namespaces/${NAMESPACE}`;

let m: RunningManager;
let admin: KubeClient;
let asManager: KubeClient;

/** A Deployment exactly as the Manager builds it for `userId`, then changed by `edit`. */
function deployment(userId: string, edit: (d: any) => void = () => undefined): any {
  // A deep copy: the builders share nested objects (the container securityContext) between builds.
  const d = structuredClone(buildDeployment(instanceSpecFromInput(m.config, { userId, secrets: {} }))) as any;
  edit(d);
  return d;
}

/** Applies as the Manager's ServiceAccount; the refusal (status + message) or "applied". */
async function applyAsManager(path: string, obj: any): Promise<{ status: number; message: string }> {
  try {
    const r = await asManager.apply(`${path}/${obj.metadata.name}`, obj, "openclaw-manager");
    return { status: r.status, message: "applied" };
  } catch (e) {
    if (!(e instanceof KubeApiError)) throw e;
    return { status: e.status, message: e.message };
  }
}

const podSpec = (d: any) => d.spec.template.spec;

beforeAll(async () => {
  const kubeconfig = inject("kubeconfig");
  admin = adminClient(kubeconfig);
  m = await startManager(kubeconfig);
  asManager = KubeClient.fromConfig(m.saKubeconfig);
  // The API server loads a new policy asynchronously: wait until it refuses a foreign image.
  await poll("the admission policy in force", async () => {
    const probe = deployment(`probe-${run}`, (d) => (podSpec(d).containers[0].image = "docker.io/library/busybox:1"));
    const r = await applyAsManager(`${apps}/deployments`, probe);
    // Not in force yet: the probe went through; take it away again.
    if (r.status < 300) await admin.request("delete", "DELETE", `${apps}/deployments/${probe.metadata.name}`);
    return r.status === 403 && r.message.includes("may only run images") ? r : undefined;
  }, 30_000, 250);
});

afterAll(async () => {
  await m?.close();
  asManager?.close();
  admin?.close();
});

describe("the namespace split: the Manager's rights exist in the instance namespace only", () => {
  it("its ServiceAccount is in the platform namespace, where it can read no Secret and touch no Deployment", async () => {
    const sa = await admin.request<any>("get", "GET", `/api/v1/namespaces/${PLATFORM_NAMESPACE}/serviceaccounts/openclaw-manager`);
    expect(sa.body.metadata.namespace).toBe("clawbox-system");
    for (const [verb, method, path] of [
      ["list", "GET", `/api/v1/namespaces/${PLATFORM_NAMESPACE}/secrets`],
      ["get", "GET", `/api/v1/namespaces/${PLATFORM_NAMESPACE}/secrets/openclaw-manager`],
      ["list", "GET", `/apis/apps/v1/namespaces/${PLATFORM_NAMESPACE}/deployments`],
      ["list", "GET", `/api/v1/namespaces/${PLATFORM_NAMESPACE}/configmaps`],
    ] as const) {
      const err = await asManager.request(verb, method, path).then(() => null, (e) => e);
      expect(err, path).toBeInstanceOf(KubeApiError);
      expect((err as KubeApiError).status, path).toBe(403);
    }
    // Its own policy's parameter sits there too: it cannot widen what it may run.
    const widen = await applyAsManager(`/api/v1/namespaces/${PLATFORM_NAMESPACE}/configmaps`, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "openclaw-instance-policy", namespace: PLATFORM_NAMESPACE },
      data: { imageRepo: "docker.io/library/busybox" },
    });
    expect(widen.status).toBe(403);
    // In the instance namespace, what rbac.yaml grants works.
    expect((await asManager.request("list", "GET", `${apps}/deployments`)).status).toBe(200);
  });
});

describe("the admission policy, as the Manager's ServiceAccount", () => {
  it("type-checks against the Deployment and Service schemas: the API server reports no expression warning", async () => {
    for (const name of ["openclaw-manager.clawbox-system", "openclaw-manager-services.clawbox-system"]) {
      const status = await poll(`${name} type-checked`, async () => {
        const p = (await admin.request<any>("get", "GET", `/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/${name}`)).body;
        return p.status?.observedGeneration === p.metadata.generation && p.status.typeChecking ? p.status : undefined;
      }, 30_000, 250);
      expect(status.typeChecking.expressionWarnings ?? [], name).toEqual([]);
    }
  });

  it.each([
    ["another image", (d: any) => (podSpec(d).containers[1].image = "docker.io/library/busybox:1"), "the Manager may only run images of registry.test/openclaw-gke"],
    ["an image whose name only starts like the repository", (d: any) => (podSpec(d).containers[0].image = `${TEST_IMAGE_REPO}-evil:1`), "may only run images"],
    ["an init container with another image", (d: any) => (podSpec(d).initContainers = [{ name: "x", image: "docker.io/library/busybox:1", securityContext: { allowPrivilegeEscalation: false } }]), "may only run images"],
    ["a hostPath volume", (d: any) => podSpec(d).volumes.push({ name: "host", hostPath: { path: "/" } }), "may only mount persistentVolumeClaim, configMap, secret and emptyDir volumes"],
    ["a projected ServiceAccount token", (d: any) => podSpec(d).volumes.push({ name: "tok", projected: { sources: [{ serviceAccountToken: { path: "t" } }] } }), "may only mount"],
    ["a pod that may run as root", (d: any) => (podSpec(d).securityContext.runAsNonRoot = false), "runAsNonRoot: true"],
    ["the host's network", (d: any) => (podSpec(d).hostNetwork = true), "host's network"],
    ["a host port", (d: any) => (podSpec(d).containers[1].ports[0].hostPort = 3100), "or a host port"],
    ["an unconfined seccomp profile", (d: any) => (podSpec(d).securityContext.seccompProfile = { type: "Unconfined" }), "RuntimeDefault seccomp profile"],
    ["a ServiceAccount token mounted", (d: any) => (podSpec(d).automountServiceAccountToken = true), "no ServiceAccount token"],
    // (privileged needs allowPrivilegeEscalation; the API server's own validation refuses the pair otherwise)
    ["a privileged container", (d: any) => Object.assign(podSpec(d).containers[0].securityContext, { privileged: true, allowPrivilegeEscalation: true }), "may not be privileged"],
    ["an added capability", (d: any) => (podSpec(d).containers[1].securityContext.capabilities.add = ["NET_ADMIN"]), "add capabilities"],
    ["privilege escalation", (d: any) => (podSpec(d).containers[0].securityContext.allowPrivilegeEscalation = true), "allowPrivilegeEscalation: false"],
    ["the Manager's own pod label", (d: any) => (d.spec.template.metadata.labels["app.kubernetes.io/name"] = d.spec.selector.matchLabels["app.kubernetes.io/name"] = "openclaw-manager"), "may not carry the Manager's or the App API's label"],
  ])("refuses a Deployment with %s", async (_what, edit, message) => {
    const userId = `vap-${run}`;
    const r = await applyAsManager(`${apps}/deployments`, deployment(userId, edit));
    expect(r.status).toBe(403);
    expect(r.message).toContain(message);
    // Nothing was written.
    const list = await admin.request<any>("list", "GET", `${apps}/deployments?fieldSelector=metadata.name%3D${userId}-openclaw`);
    expect(list.body.items).toEqual([]);
  });

  it("refuses a NodePort Service, and lets the Manager's ClusterIP Service through", async () => {
    const svc = buildService(instanceSpecFromInput(m.config, { userId: `svc-${run}`, secrets: {} })) as any;
    const nodePort = await applyAsManager(`/api/v1/namespaces/${NAMESPACE}/services`, { ...svc, spec: { ...svc.spec, type: "NodePort" } });
    expect(nodePort).toMatchObject({ status: 403 });
    expect(nodePort.message).toContain("may only create ClusterIP Services");
    expect(await applyAsManager(`/api/v1/namespaces/${NAMESPACE}/services`, svc)).toEqual({ status: 201, message: "applied" });
    await asManager.request("delete", "DELETE", `/api/v1/namespaces/${NAMESPACE}/services/${svc.metadata.name}`);
  });

  it("binds the Manager only: the cluster admin may still apply a Deployment with another image", async () => {
    const d = deployment(`admin-${run}`, (x) => (podSpec(x).containers[0].image = "docker.io/library/busybox:1"));
    const r = await admin.apply(`${apps}/deployments/${d.metadata.name}`, d, "clawbox-test");
    expect(r.status).toBe(201);
    await admin.request("delete", "DELETE", `${apps}/deployments/${d.metadata.name}`);
  });

  it("lets a normal instance create through the Manager's API, which runs", async () => {
    const userId = `ok-${run}`;
    await provisionVolume(admin, userId);
    const res = await m.app.inject({ method: "POST", url: "/api/instances", headers: { authorization: `Bearer ${API_KEY}` }, payload: { userId } });
    expect(res.statusCode, res.body).toBe(201);
    const running = await poll("running", async () => {
      const r = await m.app.inject({ method: "GET", url: `/api/instances/${userId}`, headers: { authorization: `Bearer ${API_KEY}` } });
      const body = r.json() as { phase: string; ready: boolean };
      return body.phase === "running" ? body : undefined;
    });
    expect(running.ready).toBe(true);
    const gone = await m.app.inject({ method: "DELETE", url: `/api/instances/${userId}?preservePvc=false`, headers: { authorization: `Bearer ${API_KEY}` } });
    expect(gone.statusCode).toBe(200);
  });

  it("refuses everything once its parameter is gone (parameterNotFoundAction: Deny)", async () => {
    const path = `/api/v1/namespaces/${PLATFORM_NAMESPACE}/configmaps/openclaw-instance-policy`;
    const saved = (await admin.request<any>("get", "GET", path)).body;
    await admin.request("delete", "DELETE", path);
    try {
      const r = await poll("a refusal without the parameter", async () => {
        const x = await applyAsManager(`${apps}/deployments`, deployment(`noparam-${run}`));
        return x.status >= 400 ? x : undefined;
      }, 30_000, 250);
      // The API server answers a missing parameter with 422 (Invalid), not the policy's 403.
      expect(r.status).toBe(422);
      expect(r.message).toContain("no params found for policy binding with `Deny` parameterNotFoundAction");
    } finally {
      await admin.apply(path, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: saved.metadata.name, namespace: PLATFORM_NAMESPACE, labels: saved.metadata.labels }, data: saved.data }, "clawbox-test");
    }
  });
});

describe("the platform's NetworkPolicies (manifests)", () => {
  const manifest = (rel: string) =>
    parseAllDocuments(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), "utf8"))
      .map((d) => d.toJSON())
      .filter((o: any) => o?.kind === "NetworkPolicy");

  it("are accepted by the API server as written, in the platform namespace", async () => {
    const policies = [...manifest("../k8s/manager-deployment.yaml"), ...manifest("../../api/k8s/api-deployment.yaml")];
    expect(policies.map((p: any) => p.metadata.name)).toEqual(["openclaw-manager", "openclaw-api"]);
    for (const p of policies) {
      const r = await admin.apply<any>(`/apis/networking.k8s.io/v1/namespaces/${PLATFORM_NAMESPACE}/networkpolicies/${p.metadata.name}`, p, "clawbox-test");
      expect(r.body.spec).toEqual(p.spec);
    }
    const managerNp = policies[0] as any;
    // The Manager: in only from the App API's pods, on 3000.
    expect(managerNp.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "openclaw-api" } } }], ports: [{ protocol: "TCP", port: 3000 }] }]);
    const api = policies[1] as any;
    const egressTo = (port: number) => api.spec.egress.filter((r: any) => r.ports.some((p: any) => p.port === port)).flatMap((r: any) => r.to);
    // DNS includes NodeLocal DNSCache; HTTPS goes to the public internet only, never metadata.
    expect(egressTo(53)).toContainEqual({ ipBlock: { cidr: "169.254.20.10/32" } });
    const https = egressTo(443);
    expect(https).toEqual([{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"] } }]);
    expect(egressTo(3000)).toEqual([{ podSelector: { matchLabels: { "app.kubernetes.io/name": "openclaw-manager" } } }]);
    for (const p of policies) await admin.request("delete", "DELETE", `/apis/networking.k8s.io/v1/namespaces/${PLATFORM_NAMESPACE}/networkpolicies/${(p as any).metadata.name}`);
  });
});
