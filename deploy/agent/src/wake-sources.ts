import { readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * `GET /wake-sources` -> {telegramBotToken}: what the Manager needs to wake a sleeping
 * instance by itself. The bot token is read from the gateway's config on the state volume
 * (channels.telegram.botToken, where the Manager's Telegram setup puts it), because a sleeping
 * instance has no gateway to ask and the Manager may not read the instance's files or Secrets.
 * Only for the Manager (agent token): the same caller can already read and change that config
 * over RPC.
 */
export async function wakeSources(stateDir: string): Promise<{ telegramBotToken: string | null }> {
  let cfg: { channels?: { telegram?: { enabled?: boolean; botToken?: unknown } } };
  try {
    cfg = JSON.parse(await readFile(join(stateDir, "openclaw.json"), "utf8"));
  } catch {
    return { telegramBotToken: null };
  }
  const tg = cfg.channels?.telegram;
  const token = tg && tg.enabled !== false && typeof tg.botToken === "string" && tg.botToken ? tg.botToken : null;
  return { telegramBotToken: token };
}
