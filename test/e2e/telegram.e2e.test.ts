/**
 * Telegram end to end, as a person does it in the app: the REAL local platform (`node
 * scripts/start.ts`, real OpenClaw gateway) pointed at the Telegram Bot API stand-in
 * (CLAWBOX_TELEGRAM_API_ROOT) and the model stand-in (the operator's default model), in Debian's
 * headless Chromium. The owner pastes the bot token, a stranger DMs the bot, the request shows
 * in the app with the sender's name, the owner approves it, and the next DM gets the model's
 * answer through sendMessage. Screenshots go to test-results/screenshots/telegram-*.png.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { start as startModelStandin, STANDIN_REPLY_PREFIX } from "../standins/model-standin.ts";
import { start as startTelegramStandin } from "../standins/telegram-standin.ts";
import { freePort, freePortBase } from "../support/ports.ts";
import { launchChromium, newPhoneContext, screenshotBoth } from "./support/browser.ts";
import { createAssistant, signUp } from "./support/flows.ts";
import { startPlatformProcess, type StartedPlatform } from "./support/platform.ts";

// Free right now (the kernel picks them): other checkouts may run this same test at once.
const PORTS = { app: await freePort(), api: await freePort(), manager: await freePort() };
const MODEL_KEY = `sk-standin-tg-${Date.now().toString(36)}`;
const BOT_TOKEN = "7712345678:AAH-standin-bot-token-for-the-e2e-test_x";
const ALICE = { fromId: 5511223344, firstName: "Alice", lastName: "Liddell", username: "alice_wonder" };
const QUESTION = "Which way should I go from here?";

let model: Awaited<ReturnType<typeof startModelStandin>>;
let tg: Awaited<ReturnType<typeof startTelegramStandin>>;
let platform: StartedPlatform;
let browser: Browser;
let page: Page;

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);

beforeAll(async () => {
  model = await startModelStandin({ keys: [MODEL_KEY] });
  tg = await startTelegramStandin({ token: BOT_TOKEN, username: "clawbox_e2e_bot" });
  platform = await startPlatformProcess({
    CLAWBOX_APP_PORT: String(PORTS.app),
    CLAWBOX_API_PORT: String(PORTS.api),
    CLAWBOX_MANAGER_PORT: String(PORTS.manager),
    LOCAL_PORT_BASE: String(await freePortBase(1)),
    CLAWBOX_DESKTOP: "off",
    CLAWBOX_TELEGRAM_API_ROOT: tg.url,
    CLAWBOX_DEFAULT_MODEL_PROVIDER: "openai-compatible",
    CLAWBOX_DEFAULT_MODEL: "standin/echo-1",
    CLAWBOX_DEFAULT_MODEL_BASE_URL: model.baseUrl,
    CLAWBOX_DEFAULT_MODEL_API_KEY: MODEL_KEY,
    OPENROUTER_MANAGEMENT_KEY: "",
    // As in app.e2e: on a busy machine a gateway (re)start takes minutes; a user waits that long.
    CLAWBOX_WAKE_TIMEOUT: "240s",
    MANAGER_TIMEOUT_MS: "200000",
  });
  browser = await launchChromium();
  page = await (await newPhoneContext(browser, "en-US")).newPage();
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
  await tg?.stop();
  await model?.stop();
});

describe("Telegram in the app, with the Bot API and model stand-ins", () => {
  it("connects the bot, shows the stranger's request by name, approves it, and the next DM is answered", async () => {
    await signUp(page, platform.appUrl, `e2e-telegram-${Date.now()}@example.com`);
    await createAssistant(page);

    // The owner pastes the token BotFather gave them.
    await page.goto(`${platform.appUrl}/telegram`);
    await page.fill('input[name="botToken"]', BOT_TOKEN);
    await byTestId("telegram-save").click();
    await page.waitForFunction(() => document.querySelector('[data-testid="telegram-state"]')?.getAttribute("data-running") === "true", null, { timeout: 120_000, polling: 1000 });

    // A stranger writes to the bot: the bot answers with a pairing challenge...
    tg.injectDirectMessage({ ...ALICE, text: "hello bot, are you there?" });
    await tg.waitForSent((m) => m.chatId === ALICE.fromId, 120_000);
    // ...and the owner sees who it is in the app.
    await page.waitForFunction(
      () => {
        (document.querySelector('[data-testid="pairing-refresh"]') as HTMLButtonElement | null)?.click();
        return document.querySelector('[data-testid="pairing-sender"]')?.textContent?.includes("Alice Liddell") ?? false;
      },
      null,
      { timeout: 60_000, polling: 2000 },
    );
    await screenshotBoth(page, "telegram-01-pairing-request");
    await byTestId("pairing-approve").click();
    await byTestId("pairing-approved").waitFor({ timeout: 30_000 });
    await screenshotBoth(page, "telegram-02-approved");

    // Now Alice is let in: her next message is answered by the model, once.
    const before = tg.sentMessages(ALICE.fromId).length;
    tg.injectDirectMessage({ ...ALICE, text: QUESTION });
    const reply = await tg.waitForSent((m) => m.chatId === ALICE.fromId && m.text.startsWith(STANDIN_REPLY_PREFIX), 180_000);
    expect(reply.text).toContain(QUESTION);
    expect(model.chats().some((c) => c.authorization === `Bearer ${MODEL_KEY}`)).toBe(true);
    const answers = tg.sentMessages(ALICE.fromId).slice(before).filter((m) => !m.deleted && m.text.startsWith(STANDIN_REPLY_PREFIX));
    expect(answers).toHaveLength(1);
    // The sum of the waits above: a create (up to 380 s on a busy machine), the bot's restart, the reply.
  }, 900_000);
});
