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
  for (;;) {
    const restartWaitMs = Math.max(0, deadline - Date.now());
    const status = await channelStatusOrUnknown("whatsapp", () =>
      gw.call<Record<string, unknown>>(userId, "channels.status", { channel: "whatsapp" }, 20_000, { restartWaitMs }),
    );
    if (status.available) return;
    if (Date.now() + POLL_MS >= deadline) {
      throw new HttpError(504, `WhatsApp did not load within ${Math.round(waitMs / 1000)} s; try again`, { code: "WHATSAPP_LOADING" });
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
