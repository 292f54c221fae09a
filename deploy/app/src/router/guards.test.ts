import { describe, expect, it } from "vitest";
import type { Subscription } from "../api/models.ts";
import { redirectFor } from "./guards.ts";

const off: Subscription = { active: false, entitlement: "pro", expiresAt: null, source: "none", required: false };
const needed: Subscription = { ...off, required: true };
const paid: Subscription = { active: true, entitlement: "pro", expiresAt: "2030-01-01T00:00:00Z", source: "revenuecat", required: true };

describe("route guards", () => {
  it("sends signed-out users to sign-in, except on sign-in and sign-up", () => {
    const s = { signedIn: false, subscription: null };
    expect(redirectFor("/dashboard", s)).toBe("/signin");
    expect(redirectFor("/settings", s)).toBe("/signin");
    expect(redirectFor("/", s)).toBe("/signin");
    expect(redirectFor("/nope", s)).toBe("/signin");
    expect(redirectFor("/signin", s)).toBeNull();
    expect(redirectFor("/signup", s)).toBeNull();
  });

  it("sends signed-in users away from sign-in and unknown paths to the dashboard", () => {
    expect(redirectFor("/signin", { signedIn: true, subscription: off })).toBe("/dashboard");
    expect(redirectFor("/", { signedIn: true, subscription: off })).toBe("/dashboard");
  });

  it("sends users without entitlement to the paywall, but lets them reach settings", () => {
    const s = { signedIn: true, subscription: needed };
    expect(redirectFor("/dashboard", s)).toBe("/paywall");
    expect(redirectFor("/browser", s)).toBe("/paywall");
    expect(redirectFor("/paywall", s)).toBeNull();
    expect(redirectFor("/settings", s)).toBeNull();
  });

  it("skips the paywall when subscriptions are off, and lets subscribers through", () => {
    expect(redirectFor("/dashboard", { signedIn: true, subscription: off })).toBeNull();
    expect(redirectFor("/paywall", { signedIn: true, subscription: off })).toBe("/dashboard");
    expect(redirectFor("/dashboard", { signedIn: true, subscription: paid })).toBeNull();
    expect(redirectFor("/paywall", { signedIn: true, subscription: paid })).toBeNull();
  });

  it("waits while the subscription is loading", () => {
    expect(redirectFor("/dashboard", { signedIn: true, subscription: null })).toBeNull();
  });
});
