/**
 * Chat with the assistant in the app, end to end: the REAL local platform (`node scripts/start.ts`:
 * Manager with real OpenClaw gateways, App API on PGlite, the app on one origin) in Debian's
 * headless Chromium, with the OpenAI-compatible model stand-in (test/standins/model-standin.ts) as
 * the user's model provider on the host's loopback. Steps run in order like one person using the
 * app. Screenshots at 390x844 and 1280x800 go to test-results/screenshots/chat-*.png.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { start as startModelStandin, STANDIN_REPLY_PREFIX } from "../standins/model-standin.ts";
import { launchChromium, phonePage, screenshotBoth } from "./support/browser.ts";
import { startPlatformProcess, stopAndKeepLogs, type StartedPlatform } from "./support/platform.ts";
import { freePort, freePortBase } from "../support/ports.ts";
import { createAssistant as createAssistantIn, signUp as signUpIn } from "./support/flows.ts";

const signUp = (email: string) => signUpIn(page, platform.appUrl, email, password);
const createAssistant = () => createAssistantIn(page);

// Free right now (the kernel picks them): other checkouts may run this same test at once.
const PORTS = { app: await freePort(), api: await freePort(), manager: await freePort() };
const USER_KEY = `sk-standin-${Date.now().toString(36)}`;
const STANDIN_MODEL = "standin/echo-1";
const password = "correct horse battery";
const withoutModel = `e2e-chat-nomodel-${Date.now()}@example.com`;
const withModel = `e2e-chat-${Date.now()}@example.com`;
const MESSAGE = "Please tell me about the weather on the moon today";
/** The reply as the chat showed it once it finished. */
let shownReply = "";

let standin: Awaited<ReturnType<typeof startModelStandin>>;
let platform: StartedPlatform;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const path = () => new URL(page.url()).pathname;

async function apiAs<T>(method: string, route: string): Promise<{ status: number; text: string; body: T }> {
  const tokens = await page.evaluate(() => JSON.parse(localStorage.getItem("clawbox.tokens") ?? "null") as { accessToken: string } | null);
  const res = await fetch(`${platform.appUrl}/api${route}`, { method, headers: tokens ? { authorization: `Bearer ${tokens.accessToken}` } : {} });
  const text = await res.text();
  return { status: res.status, text, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Sends a message in the Chat screen and waits for the reply to end: the problem it ended with, or "ok". */
async function sendInChat(message: string): Promise<string> {
  await byTestId("chat-input").fill(message);
  await byTestId("chat-send").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="chat"]')?.getAttribute("data-sending") === "false", null, { timeout: 180_000, polling: 250 });
  return (await byTestId("chat-problem").count()) ? ((await byTestId("chat-problem").getAttribute("data-code")) ?? "?") : "ok";
}

beforeAll(async () => {
  standin = await startModelStandin({ keys: [USER_KEY], models: [STANDIN_MODEL], chunkDelayMs: 250 });
  platform = await startPlatformProcess({
    CLAWBOX_APP_PORT: String(PORTS.app),
    CLAWBOX_API_PORT: String(PORTS.api),
    CLAWBOX_MANAGER_PORT: String(PORTS.manager),
    LOCAL_PORT_BASE: String(await freePortBase(2)), // two users, one assistant each
    AUTH_RATE_LIMIT_PER_MINUTE: "600",
    // No operator default: a user without a model of their own has none.
    CLAWBOX_DEFAULT_MODEL_PROVIDER: "",
    CLAWBOX_DEFAULT_MODEL: "",
    OPENROUTER_MANAGEMENT_KEY: "",
    // A wake on this shared 2-core machine can take over a minute: the request waits for it.
    CLAWBOX_WAKE_TIMEOUT: "240s",
    MANAGER_TIMEOUT_MS: "200000",
  });
  browser = await launchChromium();
  page = await phonePage(browser, pageErrors);
});

afterAll(async () => {
  await browser?.close();
  await standin?.stop();
  if (!platform) return;
  await stopAndKeepLogs(platform, "chat-e2e");
});

describe("Chat in the app, on the real local platform with the model stand-in", () => {
  it("without a model: the dashboard says so, and the chat explains it and links to the model settings", async () => {
    await signUp(withoutModel);
    expect((await apiAs<{ code: string }>("GET", "/users/me/model")).body.code).toBe("model_not_configured");
    await createAssistant();
    await byTestId("model-notice").waitFor();
    expect(await byTestId("model-notice").textContent()).toContain("no model yet");
    expect(await byTestId("choose-model").getAttribute("href")).toBe("/settings#model");
    await screenshotBoth(page, "chat-01-dashboard-no-model");

    await byTestId("nav-chat").click();
    await page.waitForURL("**/chat");
    await byTestId("chat-empty").waitFor();
    await byTestId("chat-input").fill("Hello?");
    await byTestId("chat-send").click();
    const problem = byTestId("chat-problem");
    await problem.waitFor({ timeout: 60_000 });
    expect(await problem.getAttribute("data-code")).toBe("model_not_configured");
    expect(await problem.textContent()).toContain("Choose one in Settings");
    await screenshotBoth(page, "chat-02-chat-no-model");

    await byTestId("chat-problem-action").click();
    await page.waitForURL("**/settings#model");
    await byTestId("model-none").waitFor();
    await expect.poll(() => page.evaluate(() => document.getElementById("model")!.getBoundingClientRect().top)).toBeLessThan(100);
    await screenshotBoth(page, "chat-03-settings-no-model");
    // This user's assistant is done with: delete the account, so one gateway runs at a time.
    await byTestId("delete-account").click();
    await page.waitForURL("**/signin", { timeout: 120_000 });
  }, 600_000);

  it("sets the model in Settings: openai-compatible on the stand-in, the key pasted and never shown again", async () => {
    await signUp(withModel);
    await page.goto(`${platform.appUrl}/settings#model`);
    await byTestId("model-none").waitFor();
    await page.selectOption('select[name="provider"]', "openai-compatible");
    await page.fill('input[name="model"]', STANDIN_MODEL);
    await page.fill('input[name="apiKey"]', USER_KEY);
    expect(await page.getAttribute('input[name="apiKey"]', "type")).toBe("password");
    // The App API refuses a cloud metadata address, naming the field; the form shows it there.
    await page.fill('input[name="baseUrl"]', "http://169.254.169.254/v1");
    await byTestId("model-save").click();
    await byTestId("error").waitFor();
    expect(await page.locator('input[name="baseUrl"]').getAttribute("aria-invalid")).toBe("true");
    expect(await byTestId("error").textContent()).toContain("baseUrl");
    expect((await apiAs("GET", "/users/me/model")).status).toBe(404);
    await screenshotBoth(page, "chat-04-settings-bad-url");

    await page.fill('input[name="baseUrl"]', standin.baseUrl);
    await byTestId("model-save").click();
    await byTestId("model-saved").waitFor({ timeout: 120_000 });
    await byTestId("model-key-saved").waitFor();
    expect(await page.inputValue('input[name="apiKey"]')).toBe("");
    expect(await page.content()).not.toContain(USER_KEY);
    const view = await apiAs<Record<string, unknown>>("GET", "/users/me/model");
    expect(view.body).toEqual({ provider: "openai-compatible", model: STANDIN_MODEL, baseUrl: standin.baseUrl, hasApiKey: true, source: "user" });
    expect(view.text).not.toContain(USER_KEY);
    await screenshotBoth(page, "chat-05-settings-model");
  });

  it("creates the assistant; the dashboard has no model notice", async () => {
    await page.goto(`${platform.appUrl}/setup`);
    await createAssistant();
    await byTestId("channels-card").waitFor();
    expect(await byTestId("model-notice").count()).toBe(0);
  }, 420_000);

  it("sends a message in Chat and the stand-in's reply streams in", async () => {
    await byTestId("nav-chat").click();
    await page.waitForURL("**/chat");
    await byTestId("chat-empty").waitFor({ timeout: 60_000 });
    // Record every text the streaming reply shows, as the DOM changes.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenWhileStreaming: string[] }).seenWhileStreaming = seen;
      new MutationObserver(() => {
        const text = document.querySelector('[data-role="assistant"][data-streaming="true"] .bubble-text')?.textContent;
        if (text && seen.at(-1) !== text) seen.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await byTestId("chat-input").fill(MESSAGE);
    await byTestId("chat-send").click();
    const reply = page.locator('[data-testid="chat-message"][data-role="assistant"][data-streaming="false"]');
    await reply.last().waitFor({ timeout: 180_000 });
    expect(await byTestId("chat-problem").count()).toBe(0);
    shownReply = (await reply.last().locator(".bubble-text").textContent()) ?? "";
    // The stand-in echoes what reached it of the user's turn (OpenClaw adds a time stamp and
    // runtime notes around the user's words): the chat shows exactly the model's reply.
    const chats = standin.chats();
    const call = chats.findLast((c) => c.lastUserMessage?.includes(MESSAGE));
    expect(call, JSON.stringify(chats)).toBeDefined();
    expect(shownReply.trim()).toBe(`${STANDIN_REPLY_PREFIX}${call!.lastUserMessage}`.trim());
    const seen = await page.evaluate(() => (window as unknown as { seenWhileStreaming: string[] }).seenWhileStreaming);
    // At least one partial state: a beginning of the reply shown before the whole of it.
    expect(seen.some((s) => s.length < shownReply.length && shownReply.startsWith(s)), JSON.stringify(seen)).toBe(true);
    expect(await byTestId("chat").getAttribute("data-sending")).toBe("false");
    await screenshotBoth(page, "chat-06-chat");

    // The provider was paid with the user's own key, on every call.
    expect(new Set(chats.map((c) => c.authorization))).toEqual(new Set([`Bearer ${USER_KEY}`]));
  }, 240_000);

  it("after a reload the conversation is still there (the assistant's history)", async () => {
    await page.reload();
    await byTestId("chat-thread").waitFor({ timeout: 60_000 });
    const messages = await page
      .locator('[data-testid="chat-message"]')
      .evaluateAll((els) => els.map((e) => [e.getAttribute("data-role"), e.querySelector(".bubble-text")?.textContent ?? ""] as const));
    const user = messages.findIndex(([role, text]) => role === "user" && text.includes(MESSAGE));
    expect(user, JSON.stringify(messages)).toBeGreaterThanOrEqual(0);
    expect(messages.slice(user + 1).some(([role, text]) => role === "assistant" && text.trim() === shownReply.trim()), JSON.stringify(messages)).toBe(true);
    await screenshotBoth(page, "chat-07-history");
    // The same screen in Korean.
    await page.evaluate(() => localStorage.setItem("clawbox.language", "ko"));
    await page.reload();
    await byTestId("chat-thread").waitFor({ timeout: 60_000 });
    expect(await byTestId("nav-chat").textContent()).toContain("채팅");
    await screenshotBoth(page, "chat-08-history-ko");
    await page.evaluate(() => localStorage.setItem("clawbox.language", "en"));
    expect(path()).toBe("/chat");
  });

  it("asleep: the dashboard says so, Settings explain what it means for WhatsApp, and a chat message wakes it and is answered", async () => {
    // Put to sleep at the Manager (as the idle timer would after CLAWBOX_IDLE_STOP_AFTER).
    const managerKey = readFileSync(`${platform.dataDir}/secrets/manager-api-key`, "utf8").trim();
    const me = await apiAs<{ id: string }>("GET", "/users/me");
    const userId = `u-${createHash("sha256").update(me.body.id).digest("hex").slice(0, 12)}`;
    const slept = await fetch(`http://127.0.0.1:${PORTS.manager}/api/instances/${userId}/sleep`, { method: "POST", headers: { authorization: `Bearer ${managerKey}` } });
    expect(slept.status).toBe(200);
    await page.goto(`${platform.appUrl}/dashboard`);
    await expect.poll(() => byTestId("status-card").locator('[data-testid="phase"]').textContent(), { timeout: 60_000 }).toBe("Asleep — wakes when you message it");
    await byTestId("asleep-hint").waitFor();
    await screenshotBoth(page, "chat-10-asleep");

    await byTestId("nav-settings").click();
    await byTestId("sleep-settings").waitFor();
    expect(await byTestId("sleep-whatsapp-explain").textContent()).toContain("WhatsApp can't wake it");
    const optIn = byTestId("sleep-with-whatsapp");
    expect(await optIn.isChecked()).toBe(false);
    await optIn.check();
    await expect.poll(async () => (await apiAs<{ sleepPolicy?: { sleepWithWhatsApp?: boolean } }[]>("GET", "/instances")).body[0]?.sleepPolicy?.sleepWithWhatsApp).toBe(true);
    // Still asleep: the setting does not wake it.
    expect((await apiAs<{ phase: string }[]>("GET", "/instances")).body[0]?.phase).toBe("sleeping");

    // Opening the chat loads the conversation, which wakes it; the screen says so meanwhile.
    await byTestId("nav-chat").click();
    await page.waitForURL("**/chat");
    await page.getByText("Waking your assistant...").waitFor({ timeout: 30_000 });
    await screenshotBoth(page, "chat-11-waking");
    await byTestId("chat-thread").waitFor({ timeout: 380_000 });
    const question = "Good morning, are you awake?";
    await byTestId("chat-input").fill(question);
    await byTestId("chat-send").click();
    await page.waitForFunction(() => document.querySelector('[data-testid="chat"]')?.getAttribute("data-sending") === "false", null, { timeout: 380_000, polling: 250 });
    expect(await byTestId("chat-problem").count()).toBe(0);
    const reply = page.locator('[data-testid="chat-message"][data-role="assistant"][data-streaming="false"]').last();
    expect(await reply.locator(".bubble-text").textContent()).toContain(STANDIN_REPLY_PREFIX);
    expect(standin.chats().some((c) => c.lastUserMessage?.includes(question))).toBe(true);
    expect((await apiAs<{ phase: string }[]>("GET", "/instances")).body[0]?.phase).toBe("running");
  }, 600_000);

  it("a key the provider refuses: the chat says so and links to the model settings", async () => {
    const WRONG_KEY = "sk-not-a-key-the-provider-knows";
    await page.reload();
    await byTestId("nav-settings").click();
    await byTestId("model-key-saved").waitFor();
    await page.fill('input[name="apiKey"]', WRONG_KEY);
    await byTestId("model-save").click();
    await byTestId("model-saved").waitFor({ timeout: 120_000 });
    // Saving restarted the assistant with the new key (the status says so from the moment the
    // save returns); once it runs again, the next message is the first to use that key.
    await expect.poll(async () => (await apiAs<{ phase: string }[]>("GET", "/instances")).body[0]?.phase, { timeout: 380_000, interval: 2000 }).toBe("running");
    const modelCalls = standin.chats().length;
    await byTestId("nav-chat").click();
    await page.waitForURL("**/chat");
    await byTestId("chat-form").waitFor({ timeout: 60_000 });
    // "Not running" never reaches the model; anything else is the first answer with the new key.
    let outcome = await sendInChat("Are you there?");
    for (let i = 0; i < 20 && outcome === "instance_not_running"; i++) {
      await page.waitForTimeout(3000);
      outcome = await sendInChat("Are you there?");
    }
    expect(outcome).toBe("model_auth_failed");
    expect(standin.chats().slice(modelCalls).map((c) => c.authorization)).toContain(`Bearer ${WRONG_KEY}`);
    const problem = byTestId("chat-problem");
    expect(await problem.textContent()).toContain("refused your API key");
    expect(await byTestId("chat-problem-action").getAttribute("href")).toBe("/settings#model");
    expect(await page.content()).not.toContain(WRONG_KEY);
    await screenshotBoth(page, "chat-09-key-refused");
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
