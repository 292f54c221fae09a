import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "@clawbox/shared";
import { start, type TelegramStandin } from "../../../../../test/standins/telegram-standin.ts";
import { TelegramWatch } from "./telegram-wake.ts";

const TOKEN = "123456780:AAStandinTokenForWakeUnitTests_abcdefgh";
const log = createLogger("telegram-wake-test", { level: "silent" });
let tg: TelegramStandin;

beforeEach(async () => {
  tg = await start({ token: TOKEN, username: "wake_bot" });
});
afterEach(async () => tg.stop());

const until = async (ok: () => boolean) => {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(ok()).toBe(true);
};

describe("the Telegram wake watch", () => {
  it("long-polls without confirming: the first DM calls onUpdate once and stays queued for the gateway", async () => {
    let woken = 0;
    const watch = new TelegramWatch({ apiRoot: tg.url, token: TOKEN, log, onUpdate: () => woken++ });
    await until(() => tg.calls.some((c) => c.method === "getUpdates"));
    expect(woken).toBe(0);
    tg.injectDirectMessage({ fromId: 7, firstName: "Bob", text: "wake up" });
    await watch.done;
    expect(woken).toBe(1);
    // Nothing confirmed, no setting of the bot changed: the gateway gets the same update.
    expect(tg.pendingUpdates()).toBe(1);
    for (const c of tg.calls.filter((x) => x.method === "getUpdates")) {
      expect(c.params).not.toHaveProperty("offset");
      expect(c.params).not.toHaveProperty("allowed_updates");
    }
    const res = await fetch(`${tg.url}/bot${TOKEN}/getUpdates?timeout=0`);
    expect(((await res.json()) as { result: { message: { text: string } }[] }).result.map((u) => u.message.text)).toEqual(["wake up"]);
  });

  it("stop() ends its open long poll, so the gateway's own getUpdates is the only consumer (no 409)", async () => {
    const watch = new TelegramWatch({ apiRoot: tg.url, token: TOKEN, log, onUpdate: () => undefined });
    await until(() => tg.calls.some((c) => c.method === "getUpdates"));
    await watch.stop();
    // The stand-in has seen the connection go (it records the abandoned poll as 499).
    await until(() => tg.calls.some((c) => c.method === "getUpdates" && c.status === 499));
    // What the gateway does next: a long poll of its own, answered normally.
    const gateway = fetch(`${tg.url}/bot${TOKEN}/getUpdates?timeout=1`);
    expect((await gateway).status).toBe(200);
    expect(tg.calls.filter((c) => c.status === 409)).toEqual([]);
  });

  it("a revoked token (401) ends the watch instead of retrying for ever", async () => {
    let woken = 0;
    const watch = new TelegramWatch({ apiRoot: tg.url, token: "123456780:revoked", log, onUpdate: () => woken++ });
    await watch.done;
    expect(woken).toBe(0);
  });
});
