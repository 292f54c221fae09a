import { BotApiError, badRequest } from "./telegram-standin-params.ts";

/**
 * The world one stand-in bot lives in: its chats (one private chat per user who wrote to it),
 * the messages in them (incoming and the bot's own, numbered per chat like Telegram does), the
 * queue of updates not yet confirmed by `getUpdates` offset, and the settings the bot made
 * (commands, webhook, allowed_updates). The Bot API methods (telegram-standin-methods.ts)
 * read and change it; the test API injects users' messages into it.
 */
export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface TgChat {
  id: number;
  type: "private";
  first_name: string;
  last_name?: string;
  username?: string;
}

export interface TgMessage {
  message_id: number;
  from: TgUser;
  chat: TgChat;
  date: number;
  edit_date?: number;
  text?: string;
  caption?: string;
  reply_to_message?: TgMessage;
  reply_markup?: unknown;
  [media: string]: unknown;
}

export interface TgUpdate {
  update_id: number;
  [kind: string]: unknown;
}

/** One message the bot sent, as the test sees it: the current text plus every version of it. */
export interface SentMessage {
  method: string;
  chatId: number;
  messageId: number;
  /** What the chat shows now (markup removed, after the latest edit). */
  text: string;
  /** The text as the bot sent it (with its markup), latest edit included. */
  rawText: string;
  parseMode?: string;
  /** Every text the message showed, the first send and each edit, in order. */
  versions: string[];
  deleted: boolean;
  replyToMessageId?: number;
  params: Record<string, unknown>;
  message: TgMessage;
}

/** Updates Telegram sends when allowed_updates is empty or was never set. */
const DEFAULT_EXCLUDED_UPDATES = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

export class BotState {
  readonly me: TgUser;
  readonly chats = new Map<number, TgChat>();
  readonly users = new Map<number, TgUser>();
  readonly messages = new Map<string, TgMessage>();
  readonly sent: SentMessage[] = [];
  readonly commands = new Map<string, unknown[]>();
  readonly reactions: Array<{ chatId: number; messageId: number; reaction: unknown }> = [];
  readonly chatActions: Array<{ chatId: number; action: string }> = [];
  readonly files = new Map<string, { path: string; bytes: Buffer }>();
  webhook: { url: string; secretToken?: string } | null = null;
  allowedUpdates: string[] | null = null;
  private updates: TgUpdate[] = [];
  private nextUpdateId = 700_000_001;
  private readonly nextMessageId = new Map<number, number>();
  private readonly listeners = new Set<() => void>();

  constructor(me: TgUser) {
    this.me = me;
  }

  /** Called on every change a test may wait for (a new update, a message sent or edited). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    for (const l of [...this.listeners]) l();
  }

  now(): number {
    return Math.floor(Date.now() / 1000);
  }

  newMessageId(chatId: number): number {
    const id = (this.nextMessageId.get(chatId) ?? 0) + 1;
    this.nextMessageId.set(chatId, id);
    return id;
  }

  storeMessage(m: TgMessage): void {
    this.messages.set(`${m.chat.id}:${m.message_id}`, m);
  }

  message(chatId: number, messageId: number): TgMessage | undefined {
    return this.messages.get(`${chatId}:${messageId}`);
  }

  /** The private chat a chat_id names; bots can only write to chats whose user wrote first. */
  chat(chatId: number | string): TgChat {
    const chat = typeof chatId === "number" ? this.chats.get(chatId) : [...this.chats.values()].find((c) => `@${c.username}` === chatId);
    if (!chat) throw badRequest("chat not found");
    return chat;
  }

  queueUpdate(kind: string, payload: unknown): TgUpdate {
    const update: TgUpdate = { update_id: this.nextUpdateId++, [kind]: payload };
    this.updates.push(update);
    this.changed();
    return update;
  }

  /**
   * getUpdates' queue semantics: an offset confirms every update below it (they are gone for
   * good); a negative offset keeps only the last |offset| updates. Updates of a kind the bot's
   * allowed_updates excludes are dropped, as Telegram never delivers them.
   */
  takeUpdates(offset: number | undefined, limit: number): TgUpdate[] {
    if (offset !== undefined && offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    if (offset !== undefined && offset < 0) this.updates = this.updates.slice(offset);
    this.updates = this.updates.filter((u) => this.allowed(u));
    return this.updates.slice(0, limit);
  }

  pendingUpdates(): number {
    return this.updates.length;
  }

  dropPendingUpdates(): void {
    this.updates = [];
  }

  private allowed(u: TgUpdate): boolean {
    const kind = Object.keys(u).find((k) => k !== "update_id")!;
    if (this.allowedUpdates === null || this.allowedUpdates.length === 0) return !DEFAULT_EXCLUDED_UPDATES.has(kind);
    return this.allowedUpdates.includes(kind);
  }
}

export { BotApiError };
