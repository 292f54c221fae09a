import { describe, expect, it } from "vitest";
import { isTelegramToken } from "./telegram-token.ts";

describe("Telegram bot token rule", () => {
  it("accepts BotFather tokens like the guide's example", () => {
    expect(isTelegramToken("123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11")).toBe(true);
    expect(isTelegramToken("7012345678:AAH_abcdefghijklmnopqrstuvwxyz012345")).toBe(true);
  });
  it("rejects anything else", () => {
    for (const bad of ["", "abc", "123456", "123456:", "12:ABC-DEF1234ghIkl-zyx57W2v1", "123456:short", "123456:has space in the secret part", `123:${"a".repeat(300)}`]) {
      expect(isTelegramToken(bad), bad).toBe(false);
    }
  });
});
