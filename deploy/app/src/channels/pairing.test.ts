import { describe, expect, it } from "vitest";
import type { PairingRequest } from "../api/models.ts";
import { pairingSender } from "./pairing.ts";

const request = (sender: Pick<PairingRequest, "senderName" | "senderLabel">): PairingRequest => ({
  code: "ABCD1234",
  senderId: "42",
  createdAt: null,
  expiresAt: null,
  accountId: "default",
  ...sender,
});

describe("pairingSender", () => {
  it("prefers the sender's name, then the Manager's senderLabel", () => {
    expect(pairingSender(request({ senderName: "Ada Lovelace", senderLabel: "Ada Lovelace (@ada)" }))).toBe("Ada Lovelace");
    expect(pairingSender(request({ senderName: null, senderLabel: "@ada" }))).toBe("@ada");
  });

  it("is null when the Manager knows neither", () => {
    expect(pairingSender(request({ senderName: null, senderLabel: null }))).toBeNull();
    expect(pairingSender(request({ senderName: " ", senderLabel: "" }))).toBeNull();
  });
});
