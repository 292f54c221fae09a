/**
 * Telegram end to end through the Manager, against a real OpenClaw gateway started by the local
 * runtime: the Manager points every gateway's Telegram channel at the Telegram stand-in
 * (CLAWBOX_TELEGRAM_API_ROOT) and the instance's model at the model stand-in. A stand-in user
 * DMs the bot, is paired by the owner through the Manager, and gets the model's answer.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@clawbox/shared";
import * as modelStandin from "../../../../test/standins/model-standin.ts";
import * as telegramStandin from "../../../../test/standins/telegram-standin.ts";
import type { LocalRuntime } from "../runtime/local/index.ts";
import { type LocalManager, startLocalManager } from "../../test/local-manager.ts";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const DATA_DIR = join(REPO, ".data", "test-telegram");
const API_KEY = "test-manager-key-telegram";
const USER = "tg-alpha";
const MODEL_KEY = "sk-standin-telegram-instance-key";
const BOT_TOKEN = "987654321:AAStandinBotTokenForClawBoxTests_xyz0123";
const ALICE = { fromId: 5550123, firstName: "Alice", lastName: "Liddell", username: "alice_wonder" };

let manager: LocalManager;
let runtime: LocalRuntime;
let model: Awaited<ReturnType<typeof modelStandin.start>>;
let tg: telegramStandin.TelegramStandin;
let base: string;
const log = createLogger("telegram-int", { level: "info" });

async function api(method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${API_KEY}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  model = await modelStandin.start({ keys: [MODEL_KEY] });
  tg = await telegramStandin.start({ token: BOT_TOKEN, username: "clawbox_test_bot" });
  manager = await startLocalManager({ apiKey: API_KEY, users: [USER], dataDir: DATA_DIR, env: { CLAWBOX_TELEGRAM_API_ROOT: tg.url }, listen: true });
  ({ runtime, url: base } = manager);
  const created = await api("POST", "/api/instances", {
    userId: USER,
    model: { provider: "openai-compatible", model: "standin/echo-1", apiKey: MODEL_KEY, baseUrl: model.baseUrl },
  });
  expect(created.status).toBe(201);
  await until("the instance to run", async () => ((await runtime.get(USER))?.phase === "running" ? true : undefined), 300_000);
});

afterAll(async () => {
  // Which Bot API methods the gateway used (the stand-in answers unknown ones 404).
  if (tg) log.info({ methods: tg.methodsCalled(), unknown: tg.unknownMethods() }, "Bot API methods the gateway called");
  // What went over both wires, for reading a failure.
  if (tg) log.info({ sent: tg.sentMessages().map((m) => ({ method: m.method, versions: m.versions, rawText: m.rawText, parseMode: m.parseMode, deleted: m.deleted })) }, "what the bot sent");
  if (model) log.info({ chats: model.chats().map((c) => ({ user: c.lastUserMessage, reply: c.reply, stream: c.stream })) }, "what the model was asked");
  // Stop the gateway while the stand-in still answers: a Telegram channel that cannot reach its
  // API holds the gateway's shutdown for minutes.
  await manager?.close();
  await tg?.stop();
  await model?.stop();
});

describe("telegram through the Manager with a real gateway", () => {
  it("a DM asks for pairing, the owner approves it by code, and the next DM gets the model's answer once", async () => {
    const setup = await api("POST", `/api/instances/${USER}/telegram/setup`, { botToken: BOT_TOKEN });
    expect(setup.status).toBe(200);
    expect(JSON.stringify(setup.body)).not.toContain(BOT_TOKEN);
    // The channel is up once it long-polls the stand-in with the bot's token.
    await until("the gateway to poll the stand-in", async () => (tg.calls.some((c) => c.method === "getUpdates" && c.status === 200) ? true : undefined), 120_000);
    const status = await api("GET", `/api/instances/${USER}/telegram/status`);
    expect(status.body).toMatchObject({ channel: "telegram", configured: true, running: true });
    // The status probe asks the same API root (getMe): it names the stand-in's bot.
    const probed = await api("GET", `/api/instances/${USER}/telegram/status?probe=true`);
    expect(probed.status).toBe(200);
    expect(JSON.stringify(probed.body)).toContain('"username":"clawbox_test_bot"');
    expect(JSON.stringify(probed.body)).not.toContain(BOT_TOKEN);

    // An unknown sender: the bot answers with a pairing code, the model is not asked.
    tg.injectDirectMessage({ ...ALICE, text: "hello bot, are you there?" });
    const challenge = await tg.waitForSent((m) => m.chatId === ALICE.fromId, 120_000);
    const pending = await until(
      "the pairing request",
      async () => {
        const r = await api("GET", `/api/instances/${USER}/pairing/list?channel=telegram`);
        expect(r.status).toBe(200);
        return r.body.requests.length > 0 ? r.body.requests : undefined;
      },
      60_000,
    );
    expect(pending).toHaveLength(1);
    const request = pending[0];
    expect(request).toMatchObject({ senderId: String(ALICE.fromId), senderName: "Alice Liddell", senderLabel: "Alice Liddell (@alice_wonder)", accountId: "default" });
    // The sender sees a short pairing code; the gateway's RPC never shows it (the Manager's `code`
    // is the gateway's opaque request id, which is what channels.pairing.approve takes).
    expect(challenge.text).toMatch(/Pairing code:\s+[A-Z0-9]{8}\b/);
    expect(challenge.text).toContain(String(ALICE.fromId));

    const approve = await api("POST", `/api/instances/${USER}/pairing/approve`, { channel: "telegram", code: request.code, notify: true });
    expect(approve.status).toBe(200);
    expect(approve.body).toMatchObject({ approved: true, channel: "telegram", code: request.code, senderId: String(ALICE.fromId), notified: true });
    expect((await api("GET", `/api/instances/${USER}/pairing/list?channel=telegram`)).body.requests).toEqual([]);
    const sentBeforeQuestion = tg.sentMessages(ALICE.fromId).length;

    const question = "What colour is the White Rabbit's waistcoat?";
    tg.injectDirectMessage({ ...ALICE, text: question });
    const reply = await tg.waitForSent((m) => m.chatId === ALICE.fromId && m.text.startsWith(modelStandin.STANDIN_REPLY_PREFIX), 150_000);
    expect(reply.text).toContain(question);

    // The instance's own key paid for it, and the unpaired first DM never reached the model.
    const asked = model.chats().filter((c) => c.lastUserMessage?.includes(question));
    expect(asked.length).toBeGreaterThan(0);
    for (const c of model.chats()) expect(c.authorization).toBe(`Bearer ${MODEL_KEY}`);
    expect(model.chats().some((c) => c.lastUserMessage?.includes("are you there"))).toBe(false);

    // Nothing answered twice: give a duplicate delivery time to show up, then count.
    await new Promise((r) => setTimeout(r, 5000));
    const toAlice = tg.sentMessages(ALICE.fromId).filter((m) => !m.deleted);
    expect(toAlice.filter((m) => m.text.startsWith(modelStandin.STANDIN_REPLY_PREFIX))).toHaveLength(1);
    expect(toAlice.filter((m) => /Pairing code:/.test(m.text))).toHaveLength(1);
    // Pairing code, the approval notice, the answer: each exactly once.
    expect(sentBeforeQuestion).toBe(2);
    expect(new Set(toAlice.map((m) => m.text)).size).toBe(toAlice.length);
    // One poller: a second one would have ended the first with 409 Conflict.
    expect(tg.calls.filter((c) => c.status === 409)).toEqual([]);
    expect(tg.pendingUpdates()).toBe(0);
  }, 480_000);
});
