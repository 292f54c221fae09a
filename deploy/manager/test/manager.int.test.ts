// The Manager against the real test cluster (kube-apiserver, controller-manager, scheduler, kwok),
// its API client authenticated as the openclaw-manager ServiceAccount from k8s/rbac.yaml.
import { instanceNames, type InstanceStatus } from "@clawbox/shared";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
// Declares inject("kubeconfig") (provided by the test cluster globalSetup).
import type {} from "../../../test/setup/cluster.global.ts";
import type { KubeClient } from "../src/services/k8s-client.ts";
import { KubeApiError } from "../src/services/k8s-client.ts";
import { adminClient, API_KEY, counterSum, NAMESPACE, poll, provisionVolume, readObject, type RunningManager, startManager } from "./harness.ts";

const auth = { authorization: `Bearer ${API_KEY}` };
const run = Date.now().toString(36).slice(-5);
const uid = (name: string) => `${name}-${run}`;
const ns = `/api/v1/namespaces/${NAMESPACE}`;
const apps = `/apis/apps/v1/namespaces/${NAMESPACE}`;
const net = `/apis/networking.k8s.io/v1/namespaces/${NAMESPACE}`;

let m: RunningManager;
let admin: KubeClient;

async function post(body: unknown) {
  const res = await m.app.inject({ method: "POST", url: "/api/instances", headers: auth, payload: body as object });
  return { status: res.statusCode, body: res.json(), raw: res.body };
}
async function get(userId: string) {
  const res = await m.app.inject({ method: "GET", url: `/api/instances/${userId}`, headers: auth });
  return { status: res.statusCode, body: res.json() as InstanceStatus & { code?: string } };
}
async function del(userId: string, query = "") {
  const res = await m.app.inject({ method: "DELETE", url: `/api/instances/${userId}${query}`, headers: auth });
  return { status: res.statusCode, body: res.json() };
}
const phaseOf = async (userId: string) => (await get(userId)).body.phase;
const waitPhase = (userId: string, phase: string, timeoutMs = 60_000) =>
  poll(`${userId} to be ${phase}`, async () => {
    const r = await get(userId);
    return r.body.phase === phase ? r.body : undefined;
  }, timeoutMs);

beforeAll(async () => {
  const kubeconfig = inject("kubeconfig");
  admin = adminClient(kubeconfig);
  m = await startManager(kubeconfig);
});
afterAll(async () => {
  await m?.close();
  admin?.close();
});

describe("Manager on a real API server, as the openclaw-manager ServiceAccount", () => {
  it("creates an instance whose phase goes pending -> starting -> running as kwok moves the pod", async () => {
    const userId = uid("alice");
    await provisionVolume(admin, userId);
    const created = await post({ userId, secrets: { ANTHROPIC_API_KEY: "sk-ant-int-SECRET" } });
    expect(created.status, created.raw).toBe(201);
    expect(created.body).toMatchObject({ userId, ready: false, phase: "pending" });
    expect(created.raw).not.toContain("sk-ant-int-SECRET");

    const seen: string[] = [created.body.phase];
    const final = await poll("running", async () => {
      const r = await get(userId);
      expect(r.status).toBe(200);
      if (seen.at(-1) !== r.body.phase) seen.push(r.body.phase);
      return r.body.phase === "running" ? r.body : undefined;
    }, 60_000, 20);
    expect(seen).toEqual(["pending", "starting", "running"]);
    expect(final.ready).toBe(true);
    expect(final).not.toHaveProperty("message");
    expect(final.pods).toHaveLength(1);
    const pod = final.pods[0]!;
    expect(pod.name.startsWith(`${userId}-openclaw-`)).toBe(true);
    expect(pod).toMatchObject({ phase: "Running", ready: true, restartCount: 0, state: { status: "running" } });
    expect(pod.conditions).toEqual({ scheduled: true, initialized: true, containersReady: true, ready: true });
    expect(Date.parse(pod.createdAt)).toBeGreaterThan(0);

    // Every object exists with the guide's names, and the Secret holds the secret + derived tokens.
    const names = instanceNames(userId);
    const secret = await readObject(admin, `${ns}/secrets/${names.secret}`);
    expect(Buffer.from(secret.data.ANTHROPIC_API_KEY, "base64").toString()).toBe("sk-ant-int-SECRET");
    expect(Object.keys(secret.data).sort()).toEqual(["ANTHROPIC_API_KEY", "CLAWBOX_AGENT_TOKEN", "OPENCLAW_GATEWAY_TOKEN"]);
    for (const p of [`${ns}/configmaps/${names.configMap}`, `${ns}/services/${names.service}`, `${ns}/persistentvolumeclaims/${names.pvc}`, `${apps}/deployments/${names.deployment}`, `${net}/networkpolicies/${names.networkPolicy}`]) {
      const o = await readObject(admin, p);
      expect(o, p).not.toBeNull();
      expect(o.metadata.labels["openclaw.ai/user"]).toBe(userId);
      expect(o.metadata.managedFields.some((f: any) => f.manager === "openclaw-manager" && f.operation === "Apply")).toBe(true);
    }
    // No Ingress unless enabled.
    expect(await readObject(admin, `${net}/ingresses/${names.ingress}`)).toBeNull();

    // The endpoint other routes use: the pod IP kwok assigned, and the derived agent token.
    const ep = await m.runtime.endpoint(userId);
    expect(ep?.agentUrl).toMatch(/^http:\/\/127\.244\.\d+\.\d+:3100$/);
    expect(ep?.agentToken).toBe(Buffer.from(secret.data.CLAWBOX_AGENT_TOKEN, "base64").toString());
  });

  it("stores a NetworkPolicy whose from/to peers survive the round trip through the API server", async () => {
    const userId = uid("alice");
    const np = await readObject(admin, `${net}/networkpolicies/${instanceNames(userId).networkPolicy}`);
    expect(np.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(np.spec.ingress).toHaveLength(1);
    // Manager pods of the platform namespace only (one peer, both selectors).
    expect(np.spec.ingress[0].from).toEqual([
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "clawbox-system" } },
        podSelector: { matchLabels: { "app.kubernetes.io/name": "openclaw-manager" } },
      },
    ]);
    expect(np.spec.ingress[0].ports.map((p: any) => p.port)).toEqual([3100, 6080]);
    expect(np.spec.egress).toHaveLength(2);
    // DNS: kube-dns, NodeLocal DNSCache (pods and 169.254.20.10), Cloud DNS on the metadata address.
    expect(np.spec.egress[0].to.length).toBe(4);
    expect(np.spec.egress[0].to[0].podSelector.matchLabels).toEqual({ "k8s-app": "kube-dns" });
    expect(np.spec.egress[0].to[1].podSelector.matchLabels).toEqual({ "k8s-app": "node-local-dns" });
    expect(np.spec.egress[0].to.slice(2).map((p: any) => p.ipBlock.cidr)).toEqual(["169.254.20.10/32", "169.254.169.254/32"]);
    expect(np.spec.egress[1].to[0].ipBlock).toEqual({
      cidr: "0.0.0.0/0",
      except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"],
    });
    expect(JSON.stringify(np.spec)).not.toContain("_from");
  });

  it("answers the same POST twice with the same instance, changing nothing (200, no new resourceVersion)", async () => {
    const userId = uid("alice");
    const names = instanceNames(userId);
    const before = {
      d: (await readObject(admin, `${apps}/deployments/${names.deployment}`)).metadata,
      s: (await readObject(admin, `${ns}/secrets/${names.secret}`)).metadata.resourceVersion,
    };
    const again = await post({ userId, secrets: { ANTHROPIC_API_KEY: "sk-ant-int-SECRET" } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ userId, phase: "running", ready: true });
    const d = (await readObject(admin, `${apps}/deployments/${names.deployment}`)).metadata;
    expect(d.resourceVersion).toBe(before.d.resourceVersion);
    expect(d.generation).toBe(before.d.generation);
    expect((await readObject(admin, `${ns}/secrets/${names.secret}`)).metadata.resourceVersion).toBe(before.s);
  });

  it("updates secrets and image of an existing instance without touching its data volume", async () => {
    const userId = uid("alice");
    const names = instanceNames(userId);
    const pvcUid = (await readObject(admin, `${ns}/persistentvolumeclaims/${names.pvc}`)).metadata.uid;
    const res = await post({ userId, secrets: { OPENROUTER_API_KEY: "sk-or-NEW" }, imageTag: "v2" });
    expect(res.status).toBe(200);
    const secret = await readObject(admin, `${ns}/secrets/${names.secret}`);
    expect(Object.keys(secret.data).sort()).toEqual(["CLAWBOX_AGENT_TOKEN", "OPENCLAW_GATEWAY_TOKEN", "OPENROUTER_API_KEY"]);
    const d = await readObject(admin, `${apps}/deployments/${names.deployment}`);
    expect(d.spec.template.spec.containers.map((c: any) => c.image)).toEqual(["registry.test/openclaw-gke:v2", "registry.test/openclaw-gke:v2"]);
    expect((await readObject(admin, `${ns}/persistentvolumeclaims/${names.pvc}`)).metadata.uid).toBe(pvcUid);
    // Recreate strategy: the new pod comes up and the instance is running again.
    await waitPhase(userId, "running");
  });

  it("makes at most one write per object and no reads per create", async () => {
    const userId = uid("count");
    await provisionVolume(admin, userId);
    const before = await m.metrics.registry.metrics();
    expect((await post({ userId })).status).toBe(201);
    const after = await m.metrics.registry.metrics();
    const delta = (labels: Record<string, string>) =>
      counterSum(after, "openclaw_manager_apiserver_requests_total", labels) - counterSum(before, "openclaw_manager_apiserver_requests_total", labels);
    expect(delta({ verb: "apply" })).toBe(7);
    expect(delta({ verb: "get" })).toBe(0);
    expect(delta({ verb: "list" })).toBe(0);
    // Watches may be re-opened in the background (timeouts); a create opens none itself.
    await waitPhase(userId, "running");
  });

  it("puts the model's key only in the model Secret and the model in the ConfigMap; a model change rolls the pod", async () => {
    const userId = uid("model");
    await provisionVolume(admin, userId);
    const names = instanceNames(userId);
    const key = "sk-or-v1-model-int-SECRET";
    const created = await post({ userId, model: { provider: "openrouter", model: "openai/gpt-4o-mini", apiKey: key } });
    expect(created.status, created.raw).toBe(201);
    expect(created.raw).not.toContain(key);
    const modelSecret = await readObject(admin, `${ns}/secrets/${names.modelSecret}`);
    expect(Object.keys(modelSecret.data)).toEqual(["OPENROUTER_API_KEY"]);
    expect(Buffer.from(modelSecret.data.OPENROUTER_API_KEY, "base64").toString()).toBe(key);
    const secret = await readObject(admin, `${ns}/secrets/${names.secret}`);
    expect(Object.keys(secret.data).sort()).toEqual(["CLAWBOX_AGENT_TOKEN", "OPENCLAW_GATEWAY_TOKEN"]);
    const cm = await readObject(admin, `${ns}/configmaps/${names.configMap}`);
    const config = JSON.parse(cm.data["openclaw.json"]);
    expect(config.agents.defaults.model.primary).toBe("openrouter/openai/gpt-4o-mini");
    expect(cm.data["openclaw.json"]).not.toContain(key);
    const d1 = await readObject(admin, `${apps}/deployments/${names.deployment}`);
    expect(d1.spec.template.spec.containers[0].envFrom).toContainEqual({ secretRef: { name: names.modelSecret } });
    await waitPhase(userId, "running");

    const put = await m.app.inject({
      method: "PUT",
      url: `/api/instances/${userId}/model`,
      headers: auth,
      payload: { provider: "openai-compatible", model: "llama3.1:8b", baseUrl: "http://models.example.test:11434/v1", apiKey: "sk-second-SECRET" },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.body).not.toContain("sk-second-SECRET");
    const modelSecret2 = await readObject(admin, `${ns}/secrets/${names.modelSecret}`);
    expect(Object.keys(modelSecret2.data)).toEqual(["CLAWBOX_MODEL_API_KEY"]);
    const config2 = JSON.parse((await readObject(admin, `${ns}/configmaps/${names.configMap}`)).data["openclaw.json"]);
    expect(config2.agents.defaults.model.primary).toBe("custom/llama3.1:8b");
    expect(config2.models.providers.custom).toMatchObject({ baseUrl: "http://models.example.test:11434/v1", apiKey: "${CLAWBOX_MODEL_API_KEY}" });
    const d2 = await readObject(admin, `${apps}/deployments/${names.deployment}`);
    const hash = (d: any) => d.spec.template.metadata.annotations["openclaw.ai/model-hash"];
    expect(hash(d2)).not.toBe(hash(d1));
    // Only the annotation changed: the create's image and resources are as they were.
    expect(d2.spec.template.spec.containers[0].image).toBe(d1.spec.template.spec.containers[0].image);
    expect(d2.spec.template.spec.containers[0].resources).toEqual(d1.spec.template.spec.containers[0].resources);
    expect(d2.metadata.generation).toBe(d1.metadata.generation + 1);

    const bad = await m.app.inject({ method: "PUT", url: `/api/instances/${userId}/model`, headers: auth, payload: { provider: "openai-compatible", model: "x", baseUrl: "http://169.254.169.254/" } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: "baseUrl", rule: "not-link-local" });
    expect((await readObject(admin, `${apps}/deployments/${names.deployment}`)).metadata.generation).toBe(d2.metadata.generation);

    expect((await del(userId, "?preservePvc=false")).status).toBe(200);
    expect(await readObject(admin, `${ns}/secrets/${names.modelSecret}`)).toBeNull();
  });

  it("gives two concurrent POSTs for one user one instance (one 201, one 200)", async () => {
    const userId = uid("twin");
    await provisionVolume(admin, userId);
    const results = await Promise.all([post({ userId }), post({ userId })]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 201]);
    const running = await waitPhase(userId, "running");
    expect(running.pods).toHaveLength(1);
    const rs = await admin.request<any>("list", "GET", `${apps}/replicasets?labelSelector=${encodeURIComponent(`openclaw.ai/user=${userId}`)}`);
    expect(rs.body.items).toHaveLength(1);
  });

  it("lists instances with their status", async () => {
    const res = await m.app.inject({ method: "GET", url: "/api/instances", headers: auth });
    expect(res.statusCode).toBe(200);
    const list = res.json().instances as InstanceStatus[];
    const ids = list.map((s) => s.userId);
    expect(ids).toEqual(expect.arrayContaining([uid("alice"), uid("count"), uid("twin")]));
    expect([...ids].sort()).toEqual(ids);
    for (const s of list) expect(["pending", "starting", "running", "error", "unknown"]).toContain(s.phase);
  });

  it.each(["CrashLoopBackOff", "ImagePullBackOff"])("goes to error with a message when the pod fails with %s", async (fail) => {
    const userId = uid(`f-${fail.toLowerCase().slice(0, 8)}`);
    await provisionVolume(admin, userId);
    expect((await post({ userId })).status).toBe(201);
    await waitPhase(userId, "running");
    // A bad rollout: the test cluster's kwok stages fail pods carrying this annotation the way a
    // kubelet reports it. Set on the pod template by another field manager, as an operator would.
    await admin.request("apply", "PATCH", `${apps}/deployments/${instanceNames(userId).deployment}?fieldManager=clawbox-test`, {
      body: { spec: { template: { metadata: { annotations: { "clawbox.test/fail": fail } } } } },
      contentType: "application/merge-patch+json",
    });
    const err = await waitPhase(userId, "error");
    expect(err.ready).toBe(false);
    // Fail fast: an image pull is already an error at its first ErrImagePull, before the back-off.
    expect(err.message).toMatch(fail === "ImagePullBackOff" ? /^(ErrImagePull|ImagePullBackOff): / : /^CrashLoopBackOff: /);
    const settled = await poll(`message ${fail}`, async () => {
      const r = await get(userId);
      return r.body.message?.startsWith(fail) ? r.body : undefined;
    });
    expect(settled.phase).toBe("error");
  });

  it("goes to error at once on FailedScheduling (no node can fit the pod)", async () => {
    const userId = uid("huge");
    await provisionVolume(admin, userId);
    // The kwok nodes have 128Gi allocatable: a 200Gi request can never be scheduled.
    const res = await post({ userId, resources: { requests: { memory: "200Gi" }, limits: { memory: "256Gi" } } });
    expect(res.status).toBe(201);
    const err = await waitPhase(userId, "error");
    expect(err.message).toMatch(/^FailedScheduling: .*Insufficient memory/);
    expect(err.pods[0]?.conditions.scheduled).toBe(false);
    // Fixing the request recovers the instance: the POST is an update.
    expect((await post({ userId })).status).toBe(200);
    await waitPhase(userId, "running");
    expect((await del(userId, "?preservePvc=false")).status).toBe(200);
  });

  it("stays pending (not error) while the data claim has no volume yet", async () => {
    const userId = uid("nopv");
    expect((await post({ userId })).status).toBe(201);
    const pending = await poll("the scheduler to refuse the pod", async () => {
      const r = await get(userId);
      return r.body.pods[0] && !r.body.pods[0].conditions.scheduled ? r.body : undefined;
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await get(userId)).body.phase).toBe("pending");
    expect(pending.phase).toBe("pending");
    await provisionVolume(admin, userId);
    await waitPhase(userId, "running", 90_000);
    expect((await del(userId, "?preservePvc=false")).status).toBe(200);
  });

  it("deletes keeping the PVC, re-attaches it on re-create, and removes it with preservePvc=false", async () => {
    const userId = uid("alice");
    const names = instanceNames(userId);
    const pvcUid = (await readObject(admin, `${ns}/persistentvolumeclaims/${names.pvc}`)).metadata.uid;

    const gone = await del(userId);
    expect(gone).toEqual({ status: 200, body: { userId, deleted: true, pvcPreserved: true } });
    expect((await get(userId)).status).toBe(404);
    expect(await readObject(admin, `${apps}/deployments/${names.deployment}`)).toBeNull();
    for (const p of [`${ns}/secrets/${names.secret}`, `${ns}/configmaps/${names.configMap}`, `${ns}/services/${names.service}`, `${net}/networkpolicies/${names.networkPolicy}`]) {
      expect(await readObject(admin, p), p).toBeNull();
    }
    expect((await readObject(admin, `${ns}/persistentvolumeclaims/${names.pvc}`)).metadata.uid).toBe(pvcUid);
    expect((await m.app.inject({ method: "GET", url: "/api/instances", headers: auth })).json().instances.map((s: InstanceStatus) => s.userId)).not.toContain(userId);

    const again = await post({ userId, secrets: { ANTHROPIC_API_KEY: "sk-ant-int-SECRET" } });
    expect(again.status).toBe(201);
    expect((await readObject(admin, `${ns}/persistentvolumeclaims/${names.pvc}`)).metadata.uid).toBe(pvcUid);
    await waitPhase(userId, "running");

    const purge = await del(userId, "?preservePvc=false");
    expect(purge).toEqual({ status: 200, body: { userId, deleted: true, pvcPreserved: false } });
    const pvc = await poll("the PVC to go", async () => {
      const p = await readObject(admin, `${ns}/persistentvolumeclaims/${names.pvc}`);
      return p === null || p.metadata.deletionTimestamp ? { p } : undefined;
    });
    expect(pvc.p === null || Boolean(pvc.p.metadata.deletionTimestamp)).toBe(true);
    expect((await del(userId)).status).toBe(404);
  });

  it("answers 404 for unknown users and 400 for every bad userId form", async () => {
    expect((await get(uid("nobody"))).body).toMatchObject({ code: "not_found" });
    expect((await del(uid("nobody"))).status).toBe(404);
    for (const bad of ["Alice", "-a", "a-", "a_b", "a.b", "a".repeat(50), "%20"]) {
      const g = await m.app.inject({ method: "GET", url: `/api/instances/${bad}`, headers: auth });
      expect(g.statusCode, bad).toBe(400);
      expect(g.json()).toMatchObject({ field: "userId", rule: "dns1123-label" });
      expect((await post({ userId: bad })).status).toBe(400);
    }
    for (const bad of [42, null, "", ["a"]]) expect((await post({ userId: bad })).status).toBe(400);
  });

  it("answers 401 with the exact body without a valid key", async () => {
    for (const headers of [{}, { authorization: "Bearer wrong" }]) {
      const res = await m.app.inject({ method: "GET", url: "/api/instances", headers });
      expect(res.statusCode).toBe(401);
      expect(res.body).toBe('{"error":"Missing or invalid Authorization header"}');
    }
    expect((await m.app.inject({ method: "GET", url: "/health" })).json()).toEqual({ ok: true });
  });

  it("runs with least privilege: the ServiceAccount cannot read Secrets or touch pods", async () => {
    const sa = adminClient(m.saKubeconfig);
    try {
      for (const [verb, method, path] of [
        ["get", "GET", `${ns}/secrets/${instanceNames(uid("twin")).secret}`],
        ["list", "GET", `${ns}/secrets`],
        ["delete", "DELETE", `${ns}/pods/anything`],
        ["list", "GET", "/api/v1/namespaces/default/pods"],
      ] as const) {
        const err = await sa.request(verb, method, path).then(() => null, (e) => e);
        expect(err, path).toBeInstanceOf(KubeApiError);
        expect((err as KubeApiError).status, path).toBe(403);
      }
    } finally {
      sa.close();
    }
  });
});

describe("with OPENCLAW_INGRESS_ENABLED=true", () => {
  it("also applies an Ingress, a ManagedCertificate and a BackendConfig for <userId>.<domain>, and deletes them", async () => {
    const withIngress = await startManager(inject("kubeconfig"), { OPENCLAW_INGRESS_ENABLED: "true", OPENCLAW_DOMAIN_BASE: "oc.example.test" });
    try {
      const userId = uid("pub");
      await provisionVolume(admin, userId);
      const res = await withIngress.app.inject({ method: "POST", url: "/api/instances", headers: auth, payload: { userId } });
      expect(res.statusCode).toBe(201);
      const names = instanceNames(userId);
      const ing = await readObject(admin, `${net}/ingresses/${names.ingress}`);
      expect(ing.spec.rules[0].host).toBe(`${userId}.oc.example.test`);
      expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: names.service, port: { name: "agent" } });
      const mc = await readObject(admin, `/apis/networking.gke.io/v1/namespaces/${NAMESPACE}/managedcertificates/${names.managedCertificate}`);
      expect(mc.spec.domains).toEqual([`${userId}.oc.example.test`]);
      // The load balancer keeps WebSockets for an hour (not its default 30 s), and checks the agent's /healthz.
      const bcPath = `/apis/cloud.google.com/v1/namespaces/${NAMESPACE}/backendconfigs/${names.backendConfig}`;
      const bc = await readObject(admin, bcPath);
      expect(bc.spec).toEqual({ timeoutSec: 3600, connectionDraining: { drainingTimeoutSec: 60 }, healthCheck: { type: "HTTP", requestPath: "/healthz", port: 3100 } });
      const svc = await readObject(admin, `${ns}/services/${names.service}`);
      expect(svc.metadata.annotations["cloud.google.com/backend-config"]).toBe(`{"default":"${names.backendConfig}"}`);
      const np = await readObject(admin, `${net}/networkpolicies/${names.networkPolicy}`);
      expect(np.spec.ingress[1].from.map((p: any) => p.ipBlock.cidr)).toEqual(["130.211.0.0/22", "35.191.0.0/16"]);
      const gone = await withIngress.app.inject({ method: "DELETE", url: `/api/instances/${userId}?preservePvc=false`, headers: auth });
      expect(gone.statusCode).toBe(200);
      expect(await readObject(admin, `${net}/ingresses/${names.ingress}`)).toBeNull();
      expect(await readObject(admin, `/apis/networking.gke.io/v1/namespaces/${NAMESPACE}/managedcertificates/${names.managedCertificate}`)).toBeNull();
      expect(await readObject(admin, bcPath)).toBeNull();
    } finally {
      await withIngress.close();
    }
  });
});
