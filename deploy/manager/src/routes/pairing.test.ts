import { describe, expect, it } from "vitest";
import type { InstanceGateway } from "../gateway/instance-gateway.ts";
import { pairingList } from "./pairing.ts";

/** A gateway whose channels.pairing.list answers `requests` (the shape openclaw 2026.9.6 returns). */
const gatewayWith = (requests: unknown[]) => ({ call: async () => ({ requests }) }) as unknown as InstanceGateway;

const request = (metadata?: Record<string, string>) => ({
  requestId: "PIfJ3CgkSOQbwNMmmfRmiJ4XWIsWGyVk",
  channel: "telegram",
  channelLabel: "Telegram",
  accountId: "default",
  senderId: "5550123",
  senderLabel: "telegramUserId", // the gateway's name for the id field, not the sender's
  ...(metadata ? { metadata } : {}),
  createdAt: "2026-11-30T04:36:00.000Z",
  expiresAt: "2026-11-30T05:36:00.000Z",
});

describe("pairing/list view", () => {
  it("names the sender from the gateway's request metadata", async () => {
    const r = await pairingList(gatewayWith([request({ firstName: "Alice", lastName: "Liddell", username: "alice_wonder" })]), "u", { channel: "telegram" });
    expect(r.requests).toEqual([
      {
        code: "PIfJ3CgkSOQbwNMmmfRmiJ4XWIsWGyVk",
        senderId: "5550123",
        senderName: "Alice Liddell",
        senderLabel: "Alice Liddell (@alice_wonder)",
        createdAt: "2026-11-30T04:36:00.000Z",
        expiresAt: "2026-11-30T05:36:00.000Z",
        accountId: "default",
      },
    ]);
  });

  it("falls back to the handle, then to the id", async () => {
    const [handleOnly] = (await pairingList(gatewayWith([request({ username: "bob" })]), "u", { channel: "telegram" })).requests;
    expect(handleOnly).toMatchObject({ senderName: "@bob", senderLabel: "@bob" });
    const [nothing] = (await pairingList(gatewayWith([request()]), "u", { channel: "telegram" })).requests;
    expect(nothing).toMatchObject({ senderName: null, senderLabel: "5550123" });
  });
});
