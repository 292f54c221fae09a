import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/** Debian's Chromium, driven by playwright-core (no browser downloads). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
} as const;

export const SCREENSHOT_DIR = join(process.cwd(), "test-results", "screenshots");

/**
 * Screenshots the current screen at both sizes (phone 390x844, desktop 1280x800):
 * test-results/screenshots/<name>-390x844.png and -1280x800.png. Ends at the phone size.
 */
export async function screenshotBoth(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const files: string[] = [];
  for (const size of [VIEWPORTS.desktop, VIEWPORTS.phone]) {
    await page.setViewportSize(size);
    await page.waitForTimeout(150); // layout settles after the resize
    const file = join(SCREENSHOT_DIR, `${name}-${size.width}x${size.height}.png`);
    await page.screenshot({ path: file, fullPage: false });
    files.push(file);
  }
  return files;
}

export async function newPhoneContext(browser: Browser, locale = "en-US"): Promise<BrowserContext> {
  return browser.newContext({ viewport: VIEWPORTS.phone, locale, deviceScaleFactor: 1 });
}

/** A page on a phone that accepts confirm() (asked before deletes) and collects the page's errors. */
export async function phonePage(browser: Browser, pageErrors: string[], locale = "en-US"): Promise<Page> {
  const page = await (await newPhoneContext(browser, locale)).newPage();
  page.on("dialog", (d) => void d.accept());
  page.on("pageerror", (e) => pageErrors.push(e.message));
  return page;
}
