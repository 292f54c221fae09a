import { HttpError } from "@clawbox/shared";
import { channelStatusOrUnknown } from "./channel-summary.ts";
import type { InstanceGateway } from "./instance-gateway.ts";

/**
 * New instances start with the preinstalled WhatsApp plugin off (its load is 12-21 % of every
 * gateway start, docs/cold-start.md, and most users never link WhatsApp). The QR route turns it
 * on here, for the users who do:
 *   channels.status {channel:"whatsapp"} answers  -> loaded, nothing to do (a repeated QR request)
 *   else config.get -> plugins.entries.whatsapp.enabled not true -> config.patch {raw, baseHash, note}
 *   then channels.status every 500 ms until the channel answers (at most 60 s)
 * The gateway applies a plugins.entries change with a hot reload of its plugin runtime: same
 * process, connections kept (requiresRestart:false; config.patch answers once it is applied,
 * ~1-25 s here). The entry is the instance's own config, not a key the platform re-applies on
 * start (apply-managed-config.mjs), so it stays on across restarts and wakes.
 */
export const WHATSAPP_LOAD_TIMEOUT_MS = 60_000;
const POLL_MS = 500;
const RAW = JSON.stringify({ plugins: { entries: { whatsapp: { enabled: true } } } });

type ConfigView = { hash?: string; config?: { plugins?: { entries?: { whatsapp?: { enabled?: unknown } } } } };

export async function ensureWhatsAppLoaded(gw: InstanceGateway, userId: string, timeoutMs = WHATSAPP_LOAD_TIMEOUT_MS): Promise<void> {
  if (await loaded(gw, userId)) return;
  // A concurrent config write changes the hash; re-read and retry once (as telegram setup does).
  for (let attempt = 0; ; attempt++) {
    const cfg = await gw.call<ConfigView>(userId, "config.get", {}, 30_000);
    // Already on (another QR request enabled it and the reload is still running): just wait.
    if (cfg?.config?.plugins?.entries?.whatsapp?.enabled === true) break;
    try {
      await gw.call(userId, "config.patch", { raw: RAW, baseHash: cfg?.hash, note: "clawbox: whatsapp link" }, 90_000);
      break;
    } catch (e) {
      if (attempt === 0 && /config changed since last load/i.test((e as Error).message ?? "")) continue;
      throw e;
    }
  }
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    await sleep(POLL_MS);
    if (await loaded(gw, userId)) return;
  }
  throw new HttpError(502, `WhatsApp login could not start: the WhatsApp plugin did not load within ${timeoutMs / 1000} s`, {
    code: "WHATSAPP_LOGIN_FAILED",
    details: { gatewayMessage: null },
  });
}

/** Whether the gateway knows the whatsapp channel; while its plugin reloads a slow or failed answer means "not yet". */
async function loaded(gw: InstanceGateway, userId: string): Promise<boolean> {
  const s = await channelStatusOrUnknown("whatsapp", () => gw.call<Record<string, unknown>>(userId, "channels.status", { channel: "whatsapp" }, 10_000)).catch(
    () => null,
  );
  return s?.available === true;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
