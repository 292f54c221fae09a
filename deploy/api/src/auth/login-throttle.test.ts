import { describe, expect, it } from "vitest";
import type { ApiConfig } from "../config.ts";
import { LoginThrottle } from "./login-throttle.ts";

const throttle = () => new LoginThrottle({ loginFreeFailures: 3, loginMaxBackoffSeconds: 10 } as ApiConfig);

describe("per-account login throttle", () => {
  it("lets the free failures through, then backs off exponentially up to the cap", () => {
    const t = throttle();
    const now = 1_000_000;
    for (let i = 0; i < 3; i++) {
      t.assertAllowed("A@x.io", now);
      t.failed("a@x.io", now);
    }
    t.assertAllowed("a@x.io", now);
    t.failed("a@x.io", now); // 4th: 1 s
    expect(() => t.assertAllowed("a@x.io", now + 500)).toThrow(/Too many failed sign-ins/);
    t.assertAllowed("a@x.io", now + 1000);
    t.failed("a@x.io", now + 1000); // 5th: 2 s
    expect(() => t.assertAllowed("a@x.io", now + 2500)).toThrow();
    for (let i = 0; i < 10; i++) t.failed("a@x.io", now + 3000);
    expect(() => t.assertAllowed("a@x.io", now + 3000 + 9_999)).toThrow();
    t.assertAllowed("a@x.io", now + 3000 + 10_000);
  });
  it("is per account and cleared by a successful sign-in", () => {
    const t = throttle();
    for (let i = 0; i < 5; i++) t.failed("a@x.io", 0);
    t.assertAllowed("b@x.io", 0);
    t.succeeded("a@x.io");
    t.assertAllowed("a@x.io", 0);
  });
});
