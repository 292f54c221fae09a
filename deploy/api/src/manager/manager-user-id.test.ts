import { createHash } from "node:crypto";
import { userIdProblem } from "@clawbox/shared";
import { describe, expect, it } from "vitest";
import { managerUserIdFor } from "./manager-user-id.ts";

describe("Manager userId derived from the account id", () => {
  it("is u-<first 12 hex of sha256(ownerId)>, a valid Manager userId, stable and distinct", () => {
    const owner = "0b5e1c2a-8d4f-4a51-9a0e-6f7d1c2b3a4e";
    const expected = `u-${createHash("sha256").update(owner).digest("hex").slice(0, 12)}`;
    expect(managerUserIdFor(owner)).toBe(expected);
    expect(managerUserIdFor(owner)).toBe(managerUserIdFor(owner));
    expect(managerUserIdFor("another")).not.toBe(expected);
    expect(userIdProblem(expected)).toBeNull();
  });
});
