import { describe, expect, it } from "vitest";
import { summarizeChannel } from "./channel-summary.ts";
import { redactSecrets } from "./redact.ts";
import { instanceLayout } from "../runtime/local/layout.ts";

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
