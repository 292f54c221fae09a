import { describe, expect, it } from "vitest";
import { HttpError } from "@clawbox/shared";
import { summarizeChannel } from "./channel-summary.ts";
import { redactSecrets } from "./redact.ts";
import { rpcCall } from "../routes/gateway-proxy.ts";
import { TELEGRAM_BOT_TOKEN_PATTERN as BOT_TOKEN_PATTERN } from "@clawbox/shared";
import { telegramSetup } from "../routes/telegram.ts";
import { instanceLayout } from "../runtime/local/layout.ts";
import type { InstanceGateway } from "../services/gateway-rpc.ts";

/** A gateway that must not be reached: input errors are caught before anything is sent. */
const unreachable = new Proxy({}, { get: () => () => Promise.reject(new Error("must not be called")) }) as unknown as InstanceGateway;

async function status400(p: Promise<unknown>) {
  const e = await p.catch((x) => x);
  expect(e).toBeInstanceOf(HttpError);
  expect((e as HttpError).status).toBe(400);
  return (e as HttpError).toBody();
}

describe("input checks before the gateway is called", () => {
  it("rpc needs a method name and object params", async () => {
    expect(await status400(rpcCall(unreachable, "alice", {}))).toMatchObject({ field: "method", rule: "required" });
    expect(await status400(rpcCall(unreachable, "alice", { method: "a b" }))).toMatchObject({ field: "method", rule: "method-name" });
    expect(await status400(rpcCall(unreachable, "alice", { method: "status", params: [1] }))).toMatchObject({ field: "params", rule: "json-object" });
    expect(await status400(rpcCall(unreachable, "alice", { method: "status", timeoutMs: 0 }))).toMatchObject({ field: "timeoutMs" });
  });

  it("telegram bot tokens must have BotFather's shape and are never echoed", async () => {
    expect(BOT_TOKEN_PATTERN.test("123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11")).toBe(true);
    for (const bad of ["123:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", "123456:short", "abc:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", "123456:ABC DEF1234ghIkl-zyx57W2v1u123ew11"]) {
      const body = await status400(telegramSetup(unreachable, "alice", { botToken: bad }));
      expect(body).toMatchObject({ field: "botToken", rule: "telegram-bot-token" });
      expect(JSON.stringify(body)).not.toContain(bad);
    }
    expect(await status400(telegramSetup(unreachable, "alice", {}))).toMatchObject({ field: "botToken", rule: "required" });
  });
});

describe("response shaping", () => {
  it("drops secret-looking keys and masks known secrets", () => {
    const out = redactSecrets({ botToken: "x", tokenSource: "config", nested: { apiKey: "k", note: "tok 123:abc" } }, ["123:abc"]);
    expect(out).toEqual({ tokenSource: "config", nested: { note: "tok [redacted]" } });
  });

  it("summarizes channels.status for one channel (the reference's WhatsApp answer)", () => {
    const status = {
      channels: { whatsapp: { configured: true, statusState: "not-linked", linked: false, running: false, connected: false, lastError: null } },
      channelAccounts: { whatsapp: [{ accountId: "default", enabled: true, configured: true, linked: false, running: false, stateReason: "not linked", lastError: null }] },
      statusIssues: [{ channel: "whatsapp", message: "Not linked (no WhatsApp Web session).", fix: "Run: openclaw channels login" }],
    };
    expect(summarizeChannel("whatsapp", status)).toEqual({
      channel: "whatsapp",
      available: true,
      configured: true,
      running: false,
      connected: false,
      linked: false,
      state: "not-linked",
      lastError: null,
      accounts: [{ accountId: "default", enabled: true, configured: true, running: false, connected: undefined, linked: false, lastError: null, state: "not linked" }],
      issues: ["Not linked (no WhatsApp Web session). Run: openclaw channels login"],
    });
    expect(summarizeChannel("telegram", status)).toMatchObject({ channel: "telegram", available: false, configured: false });
  });

  it("gives each local instance its own port block and display", () => {
    const a = instanceLayout("/d", "alice", 0, 20000);
    const b = instanceLayout("/d", "bob", 3, 20000);
    expect(a.ports).toEqual({ gateway: 20000, agent: 20150, websockify: 20160, vnc: 20161 });
    expect(b.ports.gateway).toBe(20600);
    expect([a.display, b.display]).toEqual([":100", ":103"]);
    expect(instanceLayout("/d", "carol", 0, 22000).display).toBe(":110");
    expect(b.stateDir).toBe("/d/instances/bob/state");
  });
});
