/**
 * Telegram wake: while an instance sleeps, the Manager long-polls its bot's `getUpdates`
 * WITHOUT an offset, so nothing is confirmed: the update that wakes the instance stays in
 * Telegram's queue and the gateway, once up, receives it itself (from its own stored offset)
 * and answers it, once. Telegram allows one getUpdates consumer per bot (a second one ends the
 * first with 409 Conflict), so the watch is stopped before the instance starts.
 */
import type { Logger } from "@clawbox/shared";

/** Long-poll length; Telegram holds the request up to this many seconds when nothing is queued. */
const POLL_SECONDS = 25;
const RETRY_MS = 5000;

export interface TelegramWatchOptions {
  apiRoot: string;
  token: string;
  log: Logger;
  /** The first update for the bot: wake the instance. */
  onUpdate: () => void;
}

export class TelegramWatch {
  private readonly abort = new AbortController();
  readonly done: Promise<void>;

  constructor(opts: TelegramWatchOptions) {
    this.done = this.run(opts);
  }

  /** Stops polling; resolves once the open request is gone (its connection closed). */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private async run(o: TelegramWatchOptions): Promise<void> {
    const signal = this.abort.signal;
    // No offset, no allowed_updates: reading confirms nothing and changes no setting of the bot.
    const url = `${o.apiRoot.replace(/\/+$/, "")}/bot${o.token}/getUpdates?timeout=${POLL_SECONDS}&limit=1`;
    while (!signal.aborted) {
      let status = 0;
      let body: { ok?: boolean; result?: unknown[]; description?: string } = {};
      try {
        const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout((POLL_SECONDS + 10) * 1000)]) });
        status = res.status;
        body = (await res.json()) as typeof body;
      } catch (e) {
        if (signal.aborted) return;
        o.log.warn({ err: (e as Error).message }, "telegram wake: getUpdates failed; retrying");
        await pause(RETRY_MS, signal);
        continue;
      }
      if (signal.aborted) return;
      if (body.ok && Array.isArray(body.result) && body.result.length > 0) {
        o.onUpdate();
        return;
      }
      if (status === 401 || status === 404) {
        // The token was revoked: nothing will ever arrive through it.
        o.log.warn({ status }, "telegram wake: the bot token is no longer valid; not watching");
        return;
      }
      if (status === 409) {
        // Another consumer (a webhook, or a second Manager): keep trying, quietly.
        await pause(RETRY_MS, signal);
      } else if (!body.ok) {
        o.log.warn({ status, description: body.description }, "telegram wake: getUpdates refused; retrying");
        await pause(RETRY_MS, signal);
      }
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });
}
