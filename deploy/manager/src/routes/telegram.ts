import { badRequest, TELEGRAM_BOT_TOKEN_PATTERN } from "@clawbox/shared";
import { channelStatusOrUnknown } from "../gateway/channel-summary.ts";
import { toHttpError, type InstanceGateway } from "../services/gateway-rpc.ts";
import { redactSecrets } from "../gateway/redact.ts";
import { objectBody } from "../gateway/validate.ts";

/**
 * Telegram (bundled in the gateway):
 *   setup {botToken} -> config.get, then config.patch {raw:{channels:{telegram:{enabled, botToken,
 *                       dmPolicy:"pairing"}}}, baseHash} (hot-applied, polling starts in ~1 s)
 *   status [?probe=true] -> channels.status {channel:"telegram", probe}
 *   logout -> channels.logout {channel:"telegram"} (removes the token from the config)
 * The token's shape is checked before anything is sent, and it never appears in a response,
 * an error or a log line.
 */


export async function telegramSetup(gw: InstanceGateway, userId: string, rawBody: unknown) {
  const body = objectBody(rawBody);
  const botToken = body.botToken;
  if (typeof botToken !== "string" || botToken.length === 0) throw badRequest("botToken", "required", "botToken is required (the token BotFather gave you)");
  if (!TELEGRAM_BOT_TOKEN_PATTERN.test(botToken)) {
    throw badRequest("botToken", "telegram-bot-token", "botToken must look like <5-12 digit bot id>:<30+ characters of A-Z a-z 0-9 _ ->, as issued by BotFather");
  }
  const raw = JSON.stringify({ channels: { telegram: { enabled: true, botToken, dmPolicy: "pairing" } } });
  try {
    // A concurrent config write changes the hash; re-read and retry once.
    for (let attempt = 0; ; attempt++) {
      const cfg = await gw.call<{ hash?: string }>(userId, "config.get", {}, 30_000);
      try {
        const r = await gw.call<{ changedPaths?: string[] }>(userId, "config.patch", { raw, baseHash: cfg.hash, note: "clawbox: telegram setup" }, 90_000);
        return {
          ok: true,
          channel: "telegram",
          configured: true,
          changedPaths: r?.changedPaths ?? [],
          message: "Telegram bot token saved; the bot starts polling within a few seconds. Check telegram/status?probe=true.",
        };
      } catch (e) {
        const msg = (e as Error).message ?? "";
        if (attempt === 0 && /config changed since last load/i.test(msg)) continue;
        throw e;
      }
    }
  } catch (e) {
    const err = toHttpError(e);
    err.message = redactSecrets(err.message, [botToken]);
    throw Object.assign(err, { details: err.details ? redactSecrets(err.details, [botToken]) : undefined });
  }
}

export async function telegramStatus(gw: InstanceGateway, userId: string, query: Record<string, string | undefined>) {
  const probeRaw = query.probe;
  if (probeRaw !== undefined && probeRaw !== "true" && probeRaw !== "false") throw badRequest("probe", "boolean", "probe must be true or false");
  const probe = probeRaw === "true";
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

export async function telegramLogout(gw: InstanceGateway, userId: string) {
  const r = await gw.call<Record<string, unknown>>(userId, "channels.logout", { channel: "telegram" }, 30_000);
  // The token leaves the config file at once, but the running channel is reloaded by the
  // gateway's config watcher a few seconds later; answer once status agrees (at most ~30 s).
  // `configured` is the last status seen (null if the gateway was too busy to say).
  let configured: boolean | null = null;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(500)) {
    // The gateway may be busy reloading the channel; a slow or failed check just means "not yet".
    const s = await channelStatusOrUnknown("telegram", () =>
      gw.call<Record<string, unknown>>(userId, "channels.status", { channel: "telegram" }, 15_000),
    ).catch(() => null);
    if (s) configured = s.configured;
    if (configured === false) break;
  }
  return { ok: true, channel: "telegram", ...redactSecrets(r ?? {}), configured };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
