import { HttpError } from "@clawbox/shared";
import { channelStatusOrUnknown } from "./channel-summary.ts";
import { patchConfig } from "./config-patch.ts";
import type { InstanceGateway } from "./instance-gateway.ts";

/**
 * The WhatsApp plugin loads on first use. Every instance has it installed (the seed), but a new
 * instance's config has it off (buildGatewayConfig): loaded, it is about 12 s of each gateway start
 * on a 2-core machine (its own load and register, the plugin auto-enable pass it brings, its channel
 * at start-up; docs/cold-start.md), every wake from sleep is a start, and most users never link
 * WhatsApp. Asking for a QR code turns it on for good: an instance with WhatsApp linked stays awake
 * anyway, so it seldom pays that start again.
 */
const ENABLE = JSON.stringify({ plugins: { entries: { whatsapp: { enabled: true } } } });
const POLL_MS = 1000;
/**
 * How long OpenClaw gets to load the plugin by itself before the Manager restarts the instance.
 * OpenClaw can drop a plugin change that lands while it reloads a channel (seen after a Telegram
 * logout a second earlier: "config reload superseded", then no restart); the config on disk
 * has the plugin on, so a restart loads it. Its own restart takes 20-60 s on 2 busy cores.
 */
const SELF_LOAD_GRACE_MS = 60_000;

type PluginsConfig = { plugins?: { entries?: { whatsapp?: { enabled?: unknown } } } };

/** Turns the plugin on if it is off, then waits (up to `waitMs`) until the gateway has the channel. */
export async function ensureWhatsAppPlugin(gw: InstanceGateway, userId: string, waitMs: number): Promise<void> {
  await patchConfig(gw, userId, {
    raw: ENABLE,
    note: "clawbox: load the WhatsApp plugin",
    alreadyDone: (config) => (config as PluginsConfig | undefined)?.plugins?.entries?.whatsapp?.enabled === true,
  });
  // OpenClaw hot-reloads a plugin change or restarts for it; either way the channel appears.
  const deadline = Date.now() + waitMs;
  let restartAt = Date.now() + Math.min(SELF_LOAD_GRACE_MS, waitMs / 2);
  for (;;) {
    const restartWaitMs = Math.max(0, deadline - Date.now());
    const status = await channelStatusOrUnknown("whatsapp", () =>
      gw.call<Record<string, unknown>>(userId, "channels.status", { channel: "whatsapp" }, 20_000, { restartWaitMs }),
    );
    if (status.available) return;
    if (Date.now() >= restartAt) {
      restartAt = Infinity;
      await gw.restartInstance(userId, "the WhatsApp plugin is on in its config but the gateway did not load it", deadline);
      continue;
    }
    if (Date.now() + POLL_MS >= deadline) {
      throw new HttpError(504, `WhatsApp did not load within ${Math.round(waitMs / 1000)} s; try again`, { code: "WHATSAPP_LOADING" });
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
