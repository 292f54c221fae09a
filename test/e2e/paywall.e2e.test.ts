/**
 * The paywall guard on the real platform with subscriptions ON: the App API checks RevenueCat
 * (here its local stand-in, following RevenueCat's public REST API), so a new account without
 * the entitlement lands on the paywall, and gets through once the entitlement exists.
 */
import { rmSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { start as startRevenueCat } from "../standins/revenuecat-standin.ts";
import { freePort, freePortBase } from "../support/ports.ts";
import { launchChromium, newPhoneContext, screenshotBoth } from "./support/browser.ts";
import { startPlatformProcess, type StartedPlatform } from "./support/platform.ts";

const RC_KEY = "sk_standin_revenuecat_key";
let revenuecat: Awaited<ReturnType<typeof startRevenueCat>>;
let platform: StartedPlatform;
let browser: Browser;
let page: Page;
const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);

beforeAll(async () => {
  revenuecat = await startRevenueCat({ apiKey: RC_KEY });
  platform = await startPlatformProcess({
    // Free right now: other checkouts may run this same test at once.
    CLAWBOX_APP_PORT: String(await freePort()),
    CLAWBOX_API_PORT: String(await freePort()),
    CLAWBOX_MANAGER_PORT: String(await freePort()),
    LOCAL_PORT_BASE: String(await freePortBase(1)),
    REVENUECAT_API_KEY: RC_KEY,
    REVENUECAT_API_URL: revenuecat.url,
    ENTITLEMENT_CACHE_SECONDS: "0",
  });
  browser = await launchChromium();
  page = await (await newPhoneContext(browser, "ko-KR")).newPage();
});

afterAll(async () => {
  await browser?.close();
  if (platform) {
    await platform.stop();
    rmSync(platform.dataDir, { recursive: true, force: true });
  }
  await revenuecat?.stop();
});

describe("paywall with subscriptions on", () => {
  it("sends a new account without the entitlement to the paywall, in the browser's language", async () => {
    await page.goto(`${platform.appUrl}/signup`);
    await page.fill('input[name="email"]', `paywall-${Date.now()}@example.com`);
    await page.fill('input[name="password"]', "paywall password 1");
    await byTestId("signup-submit").click();
    await page.waitForURL("**/paywall");
    expect(await byTestId("subscription-state").textContent()).toContain("활성 구독이 없습니다");
    // Guarded screens stay out of reach.
    await page.goto(`${platform.appUrl}/dashboard`);
    await page.waitForURL("**/paywall");
    await screenshotBoth(page, "13-paywall-ko");
  });

  it("lets the user through once RevenueCat reports the entitlement", async () => {
    const me = await page.evaluate(async () => {
      const t = JSON.parse(localStorage.getItem("clawbox.tokens")!);
      const res = await fetch("/api/users/me", { headers: { authorization: `Bearer ${t.accessToken}` } });
      return (await res.json()) as { id: string };
    });
    revenuecat.setEntitlement(me.id, "pro", new Date(Date.now() + 30 * 86_400_000));
    await byTestId("paywall-check").click();
    await expect.poll(() => byTestId("subscription-state").textContent()).toContain("까지 활성");
    await screenshotBoth(page, "14-paywall-active-ko");
    await page.goto(`${platform.appUrl}/dashboard`);
    await page.waitForURL("**/setup");
    expect(revenuecat.lookups).toContain(me.id);
  });
});
