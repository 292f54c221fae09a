/**
 * Sleep and wake on the test cluster (issue 14): sleeping scales the instance's Deployment to 0
 * and keeps its PVC, Secrets, Service and NetworkPolicy (the reconciler leaves it alone); a
 * model change while asleep keeps it asleep; waking brings one replica back on the same claim.
 * After a Manager restart a sleeping instance still wakes: for its cron job (kept on the
 * Deployment) and, once, for a Telegram bot whose token only the old Manager's memory held.
 */
import { instanceNames, type InstanceStatus } from "@clawbox/shared";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type {} from "../../../test/setup/cluster.global.ts";
import type { KubeClient } from "../src/k8s/client.ts";
import { start as startTelegramStandin } from "../../../test/standins/telegram-standin.ts";
import { adminClient, API_KEY, NAMESPACE, poll, provisionVolume, readObject, type RunningManager, startManager } from "./harness.ts";

const auth = { authorization: `Bearer ${API_KEY}` };
const userId = `sl-k8s-${Date.now().toString(36).slice(-5)}`;
const names = instanceNames(userId);
const core = `/api/v1/namespaces/${NAMESPACE}`;
const apps = `/apis/apps/v1/namespaces/${NAMESPACE}`;
const net = `/apis/networking.k8s.io/v1/namespaces/${NAMESPACE}`;

let m: RunningManager;
let admin: KubeClient;

async function call(method: "GET" | "POST" | "PUT", url: string, payload?: object) {
  const res = await m.app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.json() as InstanceStatus };
}
const status = async () => (await call("GET", `/api/instances/${userId}`)).body;
const untilPhase = (phase: string) => poll(`${userId} ${phase}`, async () => ((await status()).phase === phase ? true : undefined), 90_000, 100);
const deployment = () => readObject(admin, `${apps}/deployments/${names.deployment}`);
const pods = async () =>
  ((await admin.request<{ items: any[] }>("list", "GET", `${core}/pods?labelSelector=${encodeURIComponent(`openclaw.ai/user=${userId}`)}`)).body.items ?? []).filter(
    (p) => !p.metadata.deletionTimestamp,
  );
/** uids of what must survive a sleep untouched. */
async function kept() {
  const paths = [
    `${core}/persistentvolumeclaims/${names.pvc}`,
    `${core}/secrets/${names.secret}`,
    `${core}/services/${names.service}`,
    `${core}/configmaps/${names.configMap}`,
    `${net}/networkpolicies/${names.networkPolicy}`,
    `${apps}/deployments/${names.deployment}`,
  ];
  return Promise.all(paths.map(async (p) => `${p}=${(await readObject(admin, p))?.metadata?.uid ?? "missing"}`));
}

beforeAll(async () => {
  admin = adminClient(inject("kubeconfig"));
  // A 1 s reconciler resync, so that a pass sees the sleeping instance during the test.
  m = await startManager(inject("kubeconfig"), { CLAWBOX_RECONCILE_INTERVAL_MS: "1000" });
  await provisionVolume(admin, userId);
  expect((await call("POST", "/api/instances", { userId, secrets: { ANTHROPIC_API_KEY: "sk-ant-sleep" } })).status).toBe(201);
  await untilPhase("running");
}, 120_000);

afterAll(async () => {
  await m?.app.inject({ method: "DELETE", url: `/api/instances/${userId}?preservePvc=false`, headers: auth });
  await m?.close();
  admin?.close();
});

describe("sleep on Kubernetes", () => {
  it("scales the Deployment to 0 and keeps the PVC, Secret, Service and NetworkPolicy; waking brings one replica back on the same claim", async () => {
    const before = await kept();
    expect(before.some((k) => k.endsWith("=missing"))).toBe(false);
    const [pod] = await pods();
    const claimBefore = pod.spec.volumes.find((v: any) => v.persistentVolumeClaim)?.persistentVolumeClaim.claimName;
    expect(claimBefore).toBe(names.pvc);

    const slept = await call("POST", `/api/instances/${userId}/sleep`);
    expect(slept.status).toBe(200);
    expect(slept.body).toMatchObject({ phase: "sleeping", ready: false });
    const d = await deployment();
    expect(d.spec.replicas).toBe(0);
    expect(d.metadata.annotations["openclaw.ai/sleeping"]).toBe(slept.body.sleep!.since);
    await poll("its pod to go", async () => ((await pods()).length === 0 ? true : undefined), 60_000, 200);
    expect((await status()).phase).toBe("sleeping");

    // The reconciler sees a Deployment: a complete instance, nothing removed.
    await m.runtime.reconciler.nextPass();
    expect(await kept()).toEqual(before);
    // Sleeping again is a no-op; a model change while asleep keeps it asleep.
    expect((await call("POST", `/api/instances/${userId}/sleep`)).body.phase).toBe("sleeping");
    const model = await call("PUT", `/api/instances/${userId}/model`, { provider: "anthropic", model: "claude-sonnet-4-5", apiKey: "sk-ant-new" });
    expect(model.status).toBe(200);
    expect(model.body.phase).toBe("sleeping");
    expect((await deployment()).spec.replicas).toBe(0);

    const woken = await call("POST", `/api/instances/${userId}/wake`);
    expect(woken.status).toBe(200);
    expect(woken.body.phase).not.toBe("sleeping");
    const after = await deployment();
    expect(after.spec.replicas).toBe(1);
    expect(after.metadata.annotations?.["openclaw.ai/sleeping"]).toBeUndefined();
    await untilPhase("running");
    const [back] = await pods();
    expect(back.metadata.uid).not.toBe(pod.metadata.uid);
    expect(back.spec.volumes.find((v: any) => v.persistentVolumeClaim)?.persistentVolumeClaim.claimName).toBe(names.pvc);
    expect(await kept()).toEqual(before);
  }, 180_000);

  it("after a Manager restart it wakes once for a bot whose token the old Manager held, then on a DM; and for its cron job", async () => {
    const token = "7712345678:AAH-standin-bot-token-for-sleep-k8s_xyz";
    const tg = await startTelegramStandin({ token, username: "sleep_k8s_bot" });
    const env = { CLAWBOX_RECONCILE_INTERVAL_MS: "1000", CLAWBOX_TELEGRAM_API_ROOT: tg.url };
    const restart = async (extra: Record<string, string> = {}) => {
      await m.close();
      m = await startManager(inject("kubeconfig"), { ...env, ...extra });
    };
    const wakes = () => m.app.sleep.wakes.filter((w) => w.userId === userId).map((w) => w.reason);
    try {
      await restart();
      await untilPhase("running");
      // Asleep as the idle path leaves it: the bot's token is in this Manager's memory only (a
      // Secret would be one more copy of it), the Deployment says only "Telegram wakes it".
      await m.runtime.sleep(userId, { since: new Date().toISOString(), telegram: true, telegramBotToken: token });
      // A pass (every 1-30 s; run here at once) starts the watch.
      await poll("the Manager to watch the bot", async () => (await m.app.sleep.tick(), tg.calls.some((c) => c.method === "getUpdates") ? true : undefined), 60_000, 200);

      // A new Manager cannot watch a bot it has no token for: it wakes the instance once, so the
      // gateway takes the bot again and the next sleep records the token.
      await restart();
      await untilPhase("running");
      expect(wakes()).toEqual(["telegram-token-unknown"]);
      await m.runtime.reconciler.nextPass();
      expect((await status()).phase).toBe("running");
      // The sleep pass has seen it running (its wake is over) before it is put to sleep again.
      await poll("a sleep pass", async () => ((await m.app.sleep.tick()).length > 0 ? true : undefined), 30_000, 200);
      expect(wakes()).toEqual(["telegram-token-unknown"]);

      // Asleep again with its token known: a DM wakes it, and the update is left for the gateway.
      const polls = tg.calls.filter((c) => c.method === "getUpdates").length;
      await m.runtime.sleep(userId, { since: new Date().toISOString(), telegram: true, telegramBotToken: token });
      await poll("the new Manager to watch the bot", async () => (await m.app.sleep.tick(), tg.calls.filter((c) => c.method === "getUpdates").length > polls ? true : undefined), 60_000, 200);
      tg.injectDirectMessage({ fromId: 5550199, firstName: "Dinah", text: "are you awake?" });
      await untilPhase("running");
      expect(wakes()).toEqual(["telegram-token-unknown", "telegram"]);
      expect(tg.pendingUpdates()).toBe(1); // seen, never confirmed: the gateway gets it once it is up
      await poll("a sleep pass", async () => ((await m.app.sleep.tick()).length > 0 ? true : undefined), 30_000, 200);

      // A cron job far enough away that this Manager lets it sleep (its lead time is 2 minutes)...
      const cronAt = new Date(Date.now() + 10 * 60_000).toISOString();
      await m.runtime.sleep(userId, { since: new Date().toISOString(), nextCronAt: cronAt });
      expect((await deployment()).spec.replicas).toBe(0);
      // ...is read back from the Deployment by the next Manager, whose 15-minute lead makes it due.
      await restart({ CLAWBOX_CRON_WAKE_LEAD: "15m" });
      await untilPhase("running");
      expect(wakes()).toEqual(["cron"]);
      expect((await deployment()).spec.replicas).toBe(1);
    } finally {
      await tg.stop();
    }
  }, 300_000);

  it("the sleep policy is kept on the Deployment and shown in the status; a bad one is a 400 naming the field", async () => {
    const set = await call("PUT", `/api/instances/${userId}/sleep-policy`, { idleStopAfter: "45m", sleepWithWhatsApp: true });
    expect(set.status).toBe(200);
    expect(set.body.sleepPolicy).toEqual({ idleStopAfter: "45m", sleepWithWhatsApp: true });
    expect((await status()).sleepPolicy).toEqual({ idleStopAfter: "45m", sleepWithWhatsApp: true });
    const reset = await call("PUT", `/api/instances/${userId}/sleep-policy`, { idleStopAfter: null });
    expect(reset.body.sleepPolicy).toEqual({ sleepWithWhatsApp: true });
    const bad = await call("PUT", `/api/instances/${userId}/sleep-policy`, { idleStopAfter: "soon" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ field: "idleStopAfter" });
    const unknown = await call("POST", `/api/instances/nobody-${userId}/sleep`);
    expect(unknown.status).toBe(404);
  });
});
