import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { start, type TelegramStandin } from "./telegram-standin.ts";

const TOKEN = "123456789:AAStandinTokenForUnitTests_abcdefghijkl";
let tg: TelegramStandin;

async function call(method: string, params: Record<string, unknown> = {}, token = TOKEN) {
  const res = await fetch(`${tg.url}/bot${token}/${method}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(params) });
  return { status: res.status, body: (await res.json()) as any };
}

beforeEach(async () => {
  tg = await start({ token: TOKEN, username: "unit_bot" });
});
afterEach(async () => tg.stop());

describe("telegram stand-in", () => {
  it("getMe answers the bot; a wrong token is 401 Unauthorized; an unknown method is 404 and recorded", async () => {
    const me = await call("getMe");
    expect(me).toMatchObject({ status: 200, body: { ok: true, result: { id: 123456789, is_bot: true, username: "unit_bot" } } });
    expect(await call("getMe", {}, "123456789:wrong")).toEqual({ status: 401, body: { ok: false, error_code: 401, description: "Unauthorized" } });
    expect(await call("noSuchMethod")).toEqual({ status: 404, body: { ok: false, error_code: 404, description: "Not Found" } });
    expect(tg.unknownMethods()).toEqual(["noSuchMethod"]);
  });

  it("getUpdates delivers an injected DM, an offset confirms it, and a long poll wakes up on the next one", async () => {
    tg.injectDirectMessage({ fromId: 42, firstName: "Alice", username: "alice", text: "hello" });
    const first = await call("getUpdates", { timeout: 0 });
    expect(first.body.result).toHaveLength(1);
    const u = first.body.result[0];
    expect(u.message).toMatchObject({ text: "hello", chat: { id: 42, type: "private" }, from: { first_name: "Alice", username: "alice", is_bot: false } });
    // Not confirmed yet: delivered again.
    expect((await call("getUpdates")).body.result).toHaveLength(1);
    const waiting = call("getUpdates", { offset: u.update_id + 1, timeout: 30 });
    setTimeout(() => tg.injectDirectMessage({ fromId: 42, firstName: "Alice", text: "again" }), 50);
    const next = await waiting;
    expect(next.body.result.map((x: any) => x.message.text)).toEqual(["again"]);
    expect(next.body.result[0].update_id).toBe(u.update_id + 1);
  });

  it("a second concurrent getUpdates ends the first with 409 Conflict; form bodies and query strings work", async () => {
    const first = call("getUpdates", { timeout: 30 });
    await new Promise((r) => setTimeout(r, 50));
    const form = await fetch(`${tg.url}/bot${TOKEN}/getUpdates?timeout=0`, { method: "POST", body: new URLSearchParams({ allowed_updates: '["message"]' }) });
    expect(((await form.json()) as any).ok).toBe(true);
    expect(await first).toMatchObject({ status: 409, body: { ok: false, error_code: 409, description: expect.stringMatching(/^Conflict: terminated by other getUpdates request/) } });
  });

  it("sendMessage answers a Message and is recorded; HTML is checked and stripped; edits are versions; errors are Bad Request", async () => {
    expect(await call("sendMessage", { chat_id: 7, text: "hi" })).toMatchObject({ status: 400, body: { description: "Bad Request: chat not found" } });
    const { message } = tg.injectDirectMessage({ fromId: 7, firstName: "Bob", text: "hey" });
    const sent = await call("sendMessage", { chat_id: "7", text: "<b>Hello</b> &amp; bye", parse_mode: "HTML", reply_parameters: { message_id: message.message_id } });
    expect(sent.body.result).toMatchObject({ message_id: 2, chat: { id: 7 }, from: { is_bot: true }, text: "Hello & bye", reply_to_message: { text: "hey" } });
    expect((await call("sendMessage", { chat_id: 7, text: "<b>oops", parse_mode: "HTML" })).body.description).toMatch(/^Bad Request: can't parse entities/);
    expect((await call("sendMessage", { chat_id: 7, text: "" })).body.description).toBe("Bad Request: message text is empty");
    const edited = await call("editMessageText", { chat_id: 7, message_id: 2, text: "Hello again" });
    expect(edited.body.result).toMatchObject({ text: "Hello again", edit_date: expect.any(Number) });
    expect((await call("editMessageText", { chat_id: 7, message_id: 2, text: "Hello again" })).body.description).toMatch(/^Bad Request: message is not modified/);
    expect(tg.sentMessages(7)).toHaveLength(1);
    expect(tg.sentMessages(7)[0]).toMatchObject({ text: "Hello again", versions: ["Hello & bye", "Hello again"], replyToMessageId: 1 });
    const waited = await tg.waitForSent((m) => m.text.startsWith("Hello"), 1000);
    expect(waited.messageId).toBe(2);
    await expect(tg.waitForSent((m) => m.text === "never", 50)).rejects.toThrow(/no matching message/);
  });

  it("commands, chat actions, reactions, getChat, webhook and getFile follow the Bot API", async () => {
    tg.injectDirectMessage({ fromId: 9, firstName: "Cy", text: "x" });
    expect((await call("setMyCommands", { commands: [{ command: "help", description: "Help" }] })).body.result).toBe(true);
    expect((await call("getMyCommands")).body.result).toEqual([{ command: "help", description: "Help" }]);
    expect((await call("setMyCommands", { commands: [{ command: "Bad Name", description: "x" }] })).body.description).toBe("Bad Request: BOT_COMMAND_INVALID");
    expect((await call("deleteMyCommands")).body.result).toBe(true);
    expect((await call("getMyCommands")).body.result).toEqual([]);
    expect((await call("sendChatAction", { chat_id: 9, action: "typing" })).body.result).toBe(true);
    expect((await call("setMessageReaction", { chat_id: 9, message_id: 1, reaction: [{ type: "emoji", emoji: "👀" }] })).body.result).toBe(true);
    expect(tg.reactions()).toHaveLength(1);
    expect((await call("getChat", { chat_id: 9 })).body.result).toMatchObject({ id: 9, type: "private", first_name: "Cy" });
    expect((await call("setWebhook", { url: "http://127.0.0.1/hook" })).status).toBe(400);
    expect((await call("setWebhook", { url: "https://example.invalid/hook" })).body.result).toBe(true);
    expect((await call("getUpdates")).status).toBe(409);
    expect((await call("deleteWebhook", { drop_pending_updates: true })).body.result).toBe(true);
    expect((await call("getUpdates")).body.result).toEqual([]);
    const fileId = tg.addFile(Buffer.from("abc"), "a.txt");
    const file = (await call("getFile", { file_id: fileId })).body.result;
    expect(await (await fetch(`${tg.url}/file/bot${TOKEN}/${file.file_path}`)).text()).toBe("abc");
    expect((await call("getFile", { file_id: "nope" })).body.description).toBe("Bad Request: invalid file_id");
  });
});
