import type { Page } from "playwright-core";
import { expect } from "vitest";

/** Steps every app e2e walks the same way, as a person does them. */
export const PASSWORD = "correct horse battery";

export async function signUp(page: Page, appUrl: string, email: string, password = PASSWORD): Promise<void> {
  await page.goto(`${appUrl}/signup`);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
  await page.locator('[data-testid="signup-submit"]').click();
  await page.waitForURL("**/setup");
}

/** Presses "Create my assistant", waits for Running (15-40 s; minutes on a busy machine), opens the dashboard. */
export async function createAssistant(page: Page): Promise<void> {
  await page.locator('[data-testid="create-instance"]').click();
  await page.waitForFunction(
    () => {
      const text = document.querySelector('[data-testid="phase"]')?.textContent ?? "";
      return text === "Running" || text.startsWith("Error:");
    },
    null,
    { timeout: 380_000, polling: 500 },
  );
  expect(await page.locator('[data-testid="phase"]').textContent()).toBe("Running");
  await page.locator('[data-testid="open-dashboard"]').click();
  await page.waitForURL("**/dashboard");
}
