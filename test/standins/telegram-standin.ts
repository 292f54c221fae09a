import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger, type Logger } from "@clawbox/shared";
import { ACCEPTED, METHODS, notFound } from "./telegram-standin-methods.ts";
import { BotApiError, badRequest, optionalInt, readParams, type Params } from "./telegram-standin-params.ts";
import { BotState, type SentMessage, type TgMessage, type TgUpdate, type TgUser } from "./telegram-standin-state.ts";

/**
 * STAND-IN for the Telegram Bot API (https://core.telegram.org/bots/api), for one bot, on a
 * loopback port; point a client's API root (OpenClaw: `channels.telegram.apiRoot`) at `url`.
 * The public contract it follows: `GET|POST /bot<token>/<method>` with the parameters in the
 * query string or a JSON, urlencoded or multipart body; answers `{ok:true, result}` or
 * `{ok:false, error_code, description}` with the same HTTP status; a wrong token is 401
 * "Unauthorized", an unknown method 404 "Not Found"; `getUpdates` long-polls up to `timeout`
 * seconds, confirms updates below `offset`, honours `allowed_updates`, and a second concurrent
 * getUpdates ends the first with 409 "Conflict" (so two pollers of one bot show up); files are
 * served at `/file/bot<token>/<file_path>`. Not modelled: groups, channels, inline mode,
 * payments, webhook delivery (setWebhook is kept, and blocks getUpdates, as in Telegram).
 *
 * Test API: `injectDirectMessage` (a user writes to the bot in a private chat), `sentMessages`,
 * `waitForSent`, `calls` (every request, in order) and `unknownMethods()`.
 */
export interface TelegramStandinOptions {
  /** The bot's token as BotFather would issue it: `<bot id>:<secret>`. */
  token: string;
  username?: string;
  firstName?: string;
  logger?: Logger;
}

export interface BotApiCall {
  method: string;
  params: Params;
  /** HTTP status of the answer (200, or the error_code). */
  status: number;
}

export interface DirectMessageInput {
  fromId: number;
  firstName: string;
  lastName?: string;
  username?: string;
  languageCode?: string;
  text: string;
}

/** Telegram caps a long poll at 50 s. */
const MAX_POLL_SECONDS = 50;

export async function start(opts: TelegramStandinOptions) {
  const botId = Number(opts.token.split(":")[0]);
  if (!Number.isInteger(botId) || botId <= 0) throw new Error("telegram stand-in: token must look like <bot id>:<secret>");
  const log = opts.logger ?? createLogger("telegram-standin");
  const bot = new BotState({ id: botId, is_bot: true, first_name: opts.firstName ?? "ClawBox Stand-in Bot", username: opts.username ?? "clawbox_standin_bot" });
  const calls: BotApiCall[] = [];
  const unknown = new Set<string>();
  // The long poll in progress; a newer getUpdates ends it with 409, as Telegram does.
  let activePoll: { end: (e: BotApiError) => void } | undefined;

  async function getUpdates(p: Params, res: ServerResponse): Promise<TgUpdate[]> {
    if (bot.webhook) throw new BotApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    const offset = optionalInt(p, "offset");
    const limit = Math.min(Math.max(optionalInt(p, "limit") ?? 100, 1), 100);
    const timeout = Math.min(Math.max(optionalInt(p, "timeout") ?? 0, 0), MAX_POLL_SECONDS);
    if (p.allowed_updates !== undefined) {
      if (!Array.isArray(p.allowed_updates)) throw badRequest("can't parse allowed updates JSON object");
      bot.allowedUpdates = p.allowed_updates as string[];
    }
    activePoll?.end(new BotApiError(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"));
    let updates = bot.takeUpdates(offset, limit);
    if (updates.length > 0 || timeout === 0) return updates;
    return new Promise<TgUpdate[]>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        stopListening();
        if (activePoll === poll) activePoll = undefined;
      };
      const poll = { end: (e: BotApiError) => (finish(), reject(e)) };
      activePoll = poll;
      const timer = setTimeout(() => (finish(), resolve([])), timeout * 1000);
      // A poll its client abandoned (timeout, shutdown) must not hold the slot.
      res.on("close", () => {
        if (!res.writableEnded) poll.end(new BotApiError(499, "client went away"));
      });
      const stopListening = bot.onChange(() => {
        updates = bot.takeUpdates(undefined, limit);
        if (updates.length > 0) (finish(), resolve(updates));
      });
    });
  }

  function answer(res: ServerResponse, status: number, body: unknown) {
    if (res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
      if (file) {
        const f = [...bot.files.values()].find((x) => x.path === decodeURIComponent(file[2]!));
        if (file[1] !== opts.token) return answer(res, 401, { ok: false, error_code: 401, description: "Unauthorized" });
        if (!f) return answer(res, 404, { ok: false, error_code: 404, description: "Not Found" });
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": f.bytes.length });
        return res.end(f.bytes);
      }
      const m = /^\/bot([^/]*)\/([A-Za-z]*)$/.exec(url.pathname);
      const method = m?.[2] ?? "";
      const call: BotApiCall = { method, params: {}, status: 200 };
      try {
        if (!m) throw notFound();
        if (m[1] !== opts.token) throw new BotApiError(401, "Unauthorized");
        calls.push(call);
        call.params = await readParams(req, url);
        const key = method.toLowerCase();
        let result: unknown;
        if (key === "getupdates") result = await getUpdates(call.params, res);
        else if (METHODS[key]) result = await METHODS[key](bot, call.params);
        else if (key in ACCEPTED) result = ACCEPTED[key];
        else {
          unknown.add(method);
          log.warn({ method, params: Object.keys(call.params) }, "telegram stand-in: method not modelled, answered 404 Not Found");
          throw notFound();
        }
        answer(res, 200, { ok: true, result });
      } catch (e) {
        const err = e instanceof BotApiError ? e : new BotApiError(500, `Internal Server Error: ${(e as Error).message}`);
        call.status = err.code;
        answer(res, err.code, { ok: false, error_code: err.code, description: err.message, ...(err.parameters ? { parameters: err.parameters } : {}) });
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const apiRoot = `http://127.0.0.1:${port}`;
  log.info({ apiRoot }, "telegram stand-in listening");

  return {
    /** The Bot API root (no `/bot<token>`): what `channels.telegram.apiRoot` takes. */
    url: apiRoot,
    token: opts.token,
    me: bot.me,
    calls,
    /** Methods the gateway called that the stand-in does not model (answered 404). */
    unknownMethods: () => [...unknown],
    /** Distinct methods called so far, in first-call order. */
    methodsCalled: () => [...new Set(calls.map((c) => c.method))],
    pendingUpdates: () => bot.pendingUpdates(),
    commands: () => Object.fromEntries(bot.commands),
    reactions: () => [...bot.reactions],
    chatActions: () => [...bot.chatActions],

    /** A user writes `text` to the bot in their private chat: queues a `message` update. */
    injectDirectMessage(input: DirectMessageInput): { update: TgUpdate; message: TgMessage } {
      const user: TgUser = { id: input.fromId, is_bot: false, first_name: input.firstName, ...(input.lastName ? { last_name: input.lastName } : {}), ...(input.username ? { username: input.username } : {}), language_code: input.languageCode ?? "en" };
      bot.users.set(user.id, user);
      const chat = { id: user.id, type: "private" as const, first_name: user.first_name, ...(user.last_name ? { last_name: user.last_name } : {}), ...(user.username ? { username: user.username } : {}) };
      bot.chats.set(chat.id, chat);
      const message: TgMessage = { message_id: bot.newMessageId(chat.id), from: user, chat, date: bot.now(), text: input.text };
      if (input.text.startsWith("/")) {
        const cmd = input.text.split(/\s/)[0]!;
        message.entities = [{ type: "bot_command", offset: 0, length: cmd.length }];
      }
      bot.storeMessage(message);
      return { update: bot.queueUpdate("message", message), message };
    },

    /** A file the bot can fetch with getFile + /file/bot<token>/<path>; returns its file_id. */
    addFile(bytes: Buffer, name = "file.bin"): string {
      const id = `standin-file-${bot.files.size + 1}`;
      bot.files.set(id, { path: `documents/${id}-${name}`, bytes });
      return id;
    },

    /** What the bot sent (all send* methods), oldest first; only one chat's with chatId. */
    sentMessages(chatId?: number): SentMessage[] {
      return bot.sent.filter((s) => chatId === undefined || s.chatId === chatId);
    },

    /** The first sent message (or an edit of one) that matches; rejects after timeoutMs. */
    waitForSent(predicate: (m: SentMessage) => boolean, timeoutMs: number): Promise<SentMessage> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = bot.sent.find(predicate);
          if (!hit) return false;
          clearTimeout(timer);
          stop();
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          stop();
          const seen = bot.sent.map((s) => JSON.stringify(s.text.slice(0, 80))).join(", ") || "nothing";
          reject(new Error(`telegram stand-in: no matching message within ${timeoutMs} ms; the bot sent: ${seen}`));
        }, timeoutMs);
        const stop = bot.onChange(() => void check());
        check();
      });
    },

    stop: () =>
      new Promise<void>((r) => {
        activePoll?.end(new BotApiError(502, "Bad Gateway"));
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export type TelegramStandin = Awaited<ReturnType<typeof start>>;
