import type { ChannelStatus, TelegramLogoutResult, TelegramSetup, TelegramSetupResult, TelegramStatusQuery } from "@clawbox/shared/contract/index";
import { channelStatusOrUnknown } from "../gateway/channel-summary.ts";
import { patchConfig } from "../gateway/config-patch.ts";
import { toHttpError, type InstanceGateway } from "../gateway/instance-gateway.ts";
import { redactSecrets } from "../gateway/redact.ts";

/**
 * Telegram (bundled in the gateway):
 *   setup {botToken} -> config.get, then config.patch {raw:{channels:{telegram:{enabled, botToken,
 *                       dmPolicy:"pairing"}}}, baseHash} (hot-applied, polling starts in ~1 s)
 *   status [?probe=true] -> channels.status {channel:"telegram", probe}
 *   logout -> channels.logout {channel:"telegram"} (removes the token from the config)
 * The token's shape is checked (TelegramSetupSchema, by the route) before anything is sent, and it
 * never appears in a response, an error or a log line.
 */


export async function telegramSetup(gw: InstanceGateway, userId: string, { botToken }: TelegramSetup): Promise<TelegramSetupResult> {
  const raw = JSON.stringify({ channels: { telegram: { enabled: true, botToken, dmPolicy: "pairing" } } });
  try {
    const r = await patchConfig(gw, userId, { raw, note: "clawbox: telegram setup" });
    return {
      ok: true,
      channel: "telegram" as const,
      configured: true,
      changedPaths: r?.changedPaths ?? [],
      message: "Telegram bot token saved; the bot starts polling within a few seconds. Check telegram/status?probe=true.",
    };
  } catch (e) {
    const err = toHttpError(e);
    err.message = redactSecrets(err.message, [botToken]);
    throw Object.assign(err, { details: err.details ? redactSecrets(err.details, [botToken]) : undefined });
  }
}

export async function telegramStatus(gw: InstanceGateway, userId: string, query: TelegramStatusQuery): Promise<ChannelStatus> {
  const probe = query.probe === "true";
  const summary = await channelStatusOrUnknown("telegram", () =>
    gw.call<Record<string, unknown>>(
      userId,
      "channels.status",
      { channel: "telegram", probe, ...(probe ? { timeoutMs: 10_000 } : {}) },
      probe ? 30_000 : 20_000,
    ),
  );
  return redactSecrets(summary);
}

export async function telegramLogout(gw: InstanceGateway, userId: string): Promise<TelegramLogoutResult> {
  const r = await gw.call<Record<string, unknown>>(userId, "channels.logout", { channel: "telegram" }, 30_000);
  // The token leaves the config file at once, but the running channel is reloaded by the
  // gateway's config watcher a few seconds later; answer once status agrees (at most ~30 s).
  // `configured` is the last status seen (null if the gateway was too busy to say).
  let configured: boolean | null = null;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(500)) {
    // The gateway may be busy reloading the channel, or restarting to drop it; a slow or failed
    // check just means "not yet", and no check waits past this loop's own deadline.
    const restartWaitMs = Math.max(0, deadline - Date.now());
    const s = await channelStatusOrUnknown("telegram", () =>
      gw.call<Record<string, unknown>>(userId, "channels.status", { channel: "telegram" }, 15_000, { restartWaitMs }),
    ).catch(() => null);
    if (s) configured = s.configured;
    if (configured === false) break;
  }
  return { ...redactSecrets(r ?? {}), ok: true, channel: "telegram", configured };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
