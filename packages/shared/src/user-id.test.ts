import { describe, expect, it } from "vitest";
import { HttpError } from "./errors.ts";
import { assertUserId, instanceNames, USER_ID_MAX_LENGTH, userIdProblem } from "./user-id.ts";

describe("userId rule", () => {
  it("accepts DNS-1123 labels whose derived names fit in 63 characters", () => {
    const longest = "a".repeat(USER_ID_MAX_LENGTH);
    expect(userIdProblem("alice")).toBeNull();
    expect(userIdProblem(longest)).toBeNull();
    expect(instanceNames(longest).pvc.length).toBe(63);
  });
  it.each(["", "Alice", "-a", "a-", "a_b", "a.b", "a".repeat(USER_ID_MAX_LENGTH + 1), 42])(
    "refuses %j with a 400 naming the field",
    (bad) => {
      expect(userIdProblem(bad)).not.toBeNull();
      try {
        assertUserId(bad);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(HttpError);
        expect((e as HttpError).toBody()).toMatchObject({ field: "userId", code: "invalid_request" });
        expect((e as HttpError).status).toBe(400);
      }
    },
  );
});
