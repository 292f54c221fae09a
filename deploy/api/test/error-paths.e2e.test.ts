import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type {} from "../../../test/setup/cluster.global.ts";
import { ApiClient } from "../../app/src/api/api-client.ts";
import { memoryTokenStore } from "../../app/src/api/token-store.ts";
import { adminClient, API_KEY, listen, managerServiceAccount, poll, provisionVolume, readObject, type RunningManager, startManager } from "../../manager/test/harness.ts";
import { cuttableApiServer, type CuttableProxy } from "../../manager/test/cuttable-proxy.ts";
import { labelledFor, refuse } from "../../manager/test/refusal.ts";
import type { KubeClient } from "../../manager/src/k8s/client.ts";
import { instanceNames } from "@clawbox/shared";
import { managerUserIdFor } from "../src/manager/manager-user-id.ts";
import { client, createTestDatabase, startStandins, startTestApi, type Api } from "./harness.ts";

/**
 * The App API's create is all or nothing against the REAL Manager (kubernetes runtime) on the
 * real test cluster, whose API server is reached through a relay the test can cut. Each failure
 * is injected; afterwards nothing is left in the App API (no row), the Manager (404), the cluster
 * (nothing labelled for the user) or OpenRouter (no active key). Then a restart through the app's
 * own client keeps the instance id and its data.
 */
describe("App API error paths with the real Manager on the test cluster", () => {
  let relay: CuttableProxy;
  let m: RunningManager;
  let admin: KubeClient;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let s: Awaited<ReturnType<typeof startStandins>>;
  let api: Api;
  let managerUrl: string;
  const http = () => client(api.url);

  beforeAll(async () => {
    const kubeconfig = inject("kubeconfig");
    admin = adminClient(kubeconfig);
    relay = await cuttableApiServer(await managerServiceAccount(kubeconfig));
    m = await startManager(kubeconfig, { KUBECONFIG: relay.kubeconfig, CLAWBOX_RECONCILE_INTERVAL_MS: "0" });
    managerUrl = await listen(m);
    db = await createTestDatabase("pglite");
    s = await startStandins(API_KEY, managerUrl);
    // OpenRouter keys on (a key per user), no paywall.
    api = await startTestApi(s.env({ REVENUECAT_API_KEY: undefined }), db.handle);
  });
  afterAll(async () => {
    await api?.close();
    await s?.stop();
    await db?.drop();
    await m?.close();
    await relay?.close();
    admin?.close();
  });

  async function signup() {
    const r = await http()("POST", "/auth/signup", { body: { email: `ep-${randomBytes(4).toString("hex")}@example.com`, password: "correct horse battery" } });
    expect(r.status).toBe(201);
    return { token: r.body.accessToken as string, refreshToken: r.body.refreshToken as string, body: r.body, managerUserId: managerUserIdFor(r.body.user.id) };
  }
  /** Keys made since `before` that are still switched on (each test looks only at its own). */
  const activeKeysSince = (before: Set<string>) => [...s.openrouter.keys.values()].filter((k) => !before.has(k.hash) && !k.disabled);
  const keyHashes = () => new Set(s.openrouter.keys.keys());
  async function managerStatus(userId: string) {
    return (await m.app.inject({ method: "GET", url: `/api/instances/${userId}`, headers: { authorization: `Bearer ${API_KEY}` } })).statusCode;
  }
  async function expectNothingLeft(token: string, managerUserId: string, keysBefore: Set<string>) {
    expect((await http()("GET", "/instances", { token })).body).toEqual([]);
    expect(await managerStatus(managerUserId)).toBe(404);
    expect(await labelledFor(admin, managerUserId)).toEqual([]);
    expect(activeKeysSince(keysBefore)).toEqual([]);
  }

  it("leaves nothing when the API server refuses the third object (the ConfigMap)", async () => {
    const u = await signup();
    const keysBefore = keyHashes();
    const lift = await refuse(admin, "ConfigMap", u.managerUserId);
    try {
      const res = await http()("POST", "/instances", { token: u.token });
      expect(res.status).toBe(400);
      expect(res.body.error).toContain("test policy refuses ConfigMap");
      // A key was made for this create, and is off again.
      expect(s.openrouter.keys.size).toBe(keysBefore.size + 1);
      await expectNothingLeft(u.token, u.managerUserId, keysBefore);
    } finally {
      await lift();
    }
  });

  it("leaves nothing when the Manager answers 503 (its API server unreachable)", async () => {
    const u = await signup();
    const keysBefore = keyHashes();
    await relay.cut();
    try {
      const res = await http()("POST", "/instances", { token: u.token });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe("kubernetes_unavailable");
      expect(s.openrouter.keys.size).toBe(keysBefore.size + 1);
    } finally {
      await relay.restore();
    }
    await expectNothingLeft(u.token, u.managerUserId, keysBefore);
  });

  it("leaves no active key when OpenRouter fails after creating one, and a retry then works", async () => {
    const u = await signup();
    const keysBefore = keyHashes();
    s.openrouter.failNextCreateAfterKey();
    const res = await http()("POST", "/instances", { token: u.token });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe("openrouter_error");
    expect(s.openrouter.keys.size).toBe(keysBefore.size + 1);
    await expectNothingLeft(u.token, u.managerUserId, keysBefore);

    await provisionVolume(admin, u.managerUserId);
    const again = await http()("POST", "/instances", { token: u.token });
    expect(again.status, again.text).toBe(201);
    expect(activeKeysSince(keysBefore)).toHaveLength(1);
    expect(await managerStatus(u.managerUserId)).toBe(200);
    expect((await http()("DELETE", `/instances/${again.body.id}?preservePvc=false`, { token: u.token })).status).toBe(200);
  });

  it("restarts through the app's client: same instance id, same data volume, a new pod; another account gets 404", async () => {
    const u = await signup();
    await provisionVolume(admin, u.managerUserId);
    const app = new ApiClient({ baseUrl: api.url, tokens: memoryTokenStore(u.body) });
    const created = await app.createInstance();
    const running = await poll("running", async () => {
      const i = await app.getInstance(created.id);
      return i.phase === "running" ? i : undefined;
    });
    const oldPod = running.pods[0]!.name;
    const pvc = `/api/v1/namespaces/openclaw/persistentvolumeclaims/${instanceNames(u.managerUserId).pvc}`;
    const pvcUid = (await readObject(admin, pvc)).metadata.uid;

    const restarted = await app.restartInstance(created.id);
    expect(restarted.id).toBe(created.id);
    const after = await poll("a new pod running", async () => {
      const i = await app.getInstance(created.id);
      return i.phase === "running" && i.pods.length === 1 && i.pods[0]!.name !== oldPod ? i : undefined;
    });
    expect(after.id).toBe(created.id);
    expect((await readObject(admin, pvc)).metadata.uid).toBe(pvcUid);
    expect((await app.listInstances()).map((i) => i.id)).toEqual([created.id]);

    const other = await signup();
    const foreign = await http()("POST", `/instances/${created.id}/restart`, { token: other.token });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({ error: "Instance not found", code: "not_found" });
    await app.deleteInstance(created.id);
  });
});
