import { describe, expect, it } from "vitest";
import { chatErrorCode, textOf } from "./chat.ts";

describe("chat error codes: what the app can explain to a person", () => {
  it.each([
    [{ errorMessage: "Authentication failed (provider returned HTTP 401).", errorDetail: { failoverReason: "auth" } }, "model_auth_failed"],
    [{ errorMessage: "Inline API key for custom temporarily disabled after a provider auth/billing failure" }, "model_auth_failed"],
    [{ errorMessage: "Payment required", errorDetail: { failoverReason: "billing" } }, "model_out_of_credits"],
    [{ errorMessage: "Provider returned HTTP 402: insufficient credits" }, "model_out_of_credits"],
    [{ errorMessage: "No route-compatible authentication source is configured for openai" }, "model_not_configured"],
    [{ errorMessage: "Provider overloaded (HTTP 529)" }, "model_unavailable"],
    [{ errorMessage: "something else" }, "chat_failed"],
  ])("%j -> %s", (payload, code) => {
    expect(chatErrorCode(payload)).toBe(code);
  });

  it("reads the text parts of a message, whatever its shape", () => {
    expect(textOf("plain")).toBe("plain");
    expect(textOf([{ type: "text", text: "a" }, { type: "image" }, { type: "text", text: "b" }])).toBe("ab");
    expect(textOf(undefined)).toBe("");
  });
});
