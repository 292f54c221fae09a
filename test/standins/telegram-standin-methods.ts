import { badRequest, BotApiError, chatIdParam, jsonParam, optionalInt, optionalString, requiredInt, type Params } from "./telegram-standin-params.ts";
import type { BotState, SentMessage, TgMessage } from "./telegram-standin-state.ts";
import { visibleText } from "./telegram-standin-text.ts";

/**
 * The Bot API methods the stand-in models, keyed by lower-case name (Telegram's method names
 * are case-insensitive). Each returns the method's `result`, or throws BotApiError for the
 * `{ok:false, error_code, description}` Telegram would answer. getUpdates is in the server
 * (it waits). A method that is neither here nor in ACCEPTED is answered 404 "Not Found", like
 * Telegram answers a method it does not know, and recorded so a test can see it.
 */
export type Method = (bot: BotState, p: Params) => unknown;

const MAX_TEXT = 4096;
const CHAT_ACTIONS = new Set(["typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice", "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"]);
const MEDIA = { sendphoto: "photo", senddocument: "document", sendaudio: "audio", sendvoice: "voice", sendvideo: "video", sendanimation: "animation", sendsticker: "sticker", sendvideonote: "video_note", sendlocation: "location", sendvenue: "venue", sendpoll: "poll", senddice: "dice", sendcontact: "contact" } as const;

function botSays(bot: BotState, method: string, p: Params, fields: { text?: string; caption?: string; kind?: string }): TgMessage {
  const chat = bot.chat(chatIdParam(p));
  const replyParams = jsonParam<{ message_id?: number; allow_sending_without_reply?: boolean }>(p, "reply_parameters");
  const replyTo = replyParams?.message_id ?? optionalInt(p, "reply_to_message_id");
  const replied = replyTo === undefined ? undefined : bot.message(chat.id, replyTo);
  if (replyTo !== undefined && !replied && !replyParams?.allow_sending_without_reply && p.allow_sending_without_reply !== true) {
    throw badRequest("message to be replied not found");
  }
  const message: TgMessage = { message_id: bot.newMessageId(chat.id), from: bot.me, chat, date: bot.now() };
  if (fields.text !== undefined) message.text = fields.text;
  if (fields.caption) message.caption = fields.caption;
  if (fields.kind) message[fields.kind] = mediaStub(fields.kind, p);
  if (replied) message.reply_to_message = replied;
  const markup = jsonParam(p, "reply_markup");
  if (markup && typeof markup === "object" && "inline_keyboard" in markup) message.reply_markup = markup;
  bot.storeMessage(message);
  const shown = fields.text ?? fields.caption ?? "";
  const rawText = optionalString(p, fields.text !== undefined ? "text" : "caption") ?? "";
  const parseMode = optionalString(p, "parse_mode");
  bot.sent.push({ method, chatId: chat.id, messageId: message.message_id, text: shown, rawText, ...(parseMode ? { parseMode } : {}), versions: [shown], deleted: false, ...(replied ? { replyToMessageId: replied.message_id } : {}), params: p, message });
  bot.changed();
  return message;
}

function mediaStub(kind: string, p: Params): unknown {
  const id = `standin-${kind}-${Math.random().toString(36).slice(2, 10)}`;
  if (kind === "location") return { latitude: Number(p.latitude), longitude: Number(p.longitude) };
  if (kind === "dice") return { emoji: optionalString(p, "emoji") ?? "🎲", value: 1 };
  if (kind === "photo") return [{ file_id: id, file_unique_id: id, width: 1, height: 1 }];
  return { file_id: id, file_unique_id: id };
}

function checkedText(p: Params, name: "text" | "caption", required: boolean): string | undefined {
  const raw = optionalString(p, name);
  if (raw === undefined || raw.trim() === "") {
    if (required) throw badRequest("message text is empty");
    return undefined;
  }
  const shown = visibleText(raw, optionalString(p, "parse_mode"));
  if (shown.length > (name === "text" ? MAX_TEXT : 1024)) throw badRequest(name === "text" ? "message is too long" : "message caption is too long");
  return shown;
}

function sentRecord(bot: BotState, chatId: number, messageId: number): { msg: TgMessage; sent?: SentMessage } {
  const msg = bot.message(chatId, messageId);
  if (!msg) throw badRequest("message to edit not found");
  return { msg, sent: bot.sent.find((s) => s.chatId === chatId && s.messageId === messageId) };
}

function edit(bot: BotState, p: Params, field: "text" | "caption"): TgMessage {
  if (p.inline_message_id !== undefined) throw badRequest("MESSAGE_ID_INVALID");
  const chat = bot.chat(chatIdParam(p));
  const { msg, sent } = sentRecord(bot, chat.id, requiredInt(p, "message_id", "message identifier is not specified"));
  if (msg.from.id !== bot.me.id) throw badRequest("message can't be edited");
  const shown = checkedText(p, field, field === "text") ?? "";
  const markup = jsonParam(p, "reply_markup");
  if (msg[field] === shown && JSON.stringify(markup ?? null) === JSON.stringify(msg.reply_markup ?? null)) {
    throw badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message");
  }
  msg[field] = shown;
  if (markup) msg.reply_markup = markup;
  msg.edit_date = bot.now();
  if (sent) {
    sent.text = shown;
    sent.rawText = optionalString(p, field) ?? "";
    sent.versions.push(shown);
  }
  bot.changed();
  return msg;
}

function commandsKey(p: Params): string {
  return JSON.stringify([jsonParam(p, "scope") ?? { type: "default" }, optionalString(p, "language_code") ?? ""]);
}

export const METHODS: Record<string, Method> = {
  getme: (bot) => ({ ...bot.me, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false }),
  logout: () => true,
  close: () => true,

  sendmessage: (bot, p) => botSays(bot, "sendMessage", p, { text: checkedText(p, "text", true) }),
  editmessagetext: (bot, p) => edit(bot, p, "text"),
  editmessagecaption: (bot, p) => edit(bot, p, "caption"),
  editmessagereplymarkup: (bot, p) => {
    const chat = bot.chat(chatIdParam(p));
    const { msg } = sentRecord(bot, chat.id, requiredInt(p, "message_id", "message identifier is not specified"));
    msg.reply_markup = jsonParam(p, "reply_markup");
    msg.edit_date = bot.now();
    return msg;
  },
  deletemessage: (bot, p) => {
    const chat = bot.chat(chatIdParam(p));
    const id = requiredInt(p, "message_id", "message identifier is not specified");
    if (!bot.message(chat.id, id)) throw badRequest("message to delete not found");
    bot.messages.delete(`${chat.id}:${id}`);
    const sent = bot.sent.find((s) => s.chatId === chat.id && s.messageId === id);
    if (sent) sent.deleted = true;
    bot.changed();
    return true;
  },
  sendchataction: (bot, p) => {
    const chat = bot.chat(chatIdParam(p));
    const action = optionalString(p, "action");
    if (!action) throw badRequest("action is empty");
    if (!CHAT_ACTIONS.has(action)) throw badRequest("wrong parameter action in request");
    bot.chatActions.push({ chatId: chat.id, action });
    return true;
  },
  setmessagereaction: (bot, p) => {
    const chat = bot.chat(chatIdParam(p));
    const messageId = requiredInt(p, "message_id", "message identifier is not specified");
    if (!bot.message(chat.id, messageId)) throw badRequest("message to react not found");
    const reaction = jsonParam<unknown[]>(p, "reaction") ?? [];
    if (!Array.isArray(reaction)) throw badRequest("can't parse reaction types JSON object");
    bot.reactions.push({ chatId: chat.id, messageId, reaction });
    return true;
  },
  answercallbackquery: (_bot, p) => {
    if (!optionalString(p, "callback_query_id")) throw badRequest("query is too old and response timeout expired or query ID is invalid");
    return true;
  },

  setmycommands: (bot, p) => {
    const commands = jsonParam<Array<{ command?: unknown; description?: unknown }>>(p, "commands");
    if (!Array.isArray(commands)) throw badRequest("can't parse commands JSON object");
    if (commands.length > 100) throw badRequest("BOT_COMMANDS_TOO_MUCH");
    for (const c of commands) {
      if (typeof c.command !== "string" || !/^[a-z0-9_]{1,32}$/.test(c.command)) throw badRequest("BOT_COMMAND_INVALID");
      if (typeof c.description !== "string" || c.description.length < 1 || c.description.length > 256) throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
    }
    bot.commands.set(commandsKey(p), commands);
    return true;
  },
  deletemycommands: (bot, p) => (bot.commands.delete(commandsKey(p)), true),
  getmycommands: (bot, p) => bot.commands.get(commandsKey(p)) ?? [],

  setwebhook: (bot, p) => {
    const url = optionalString(p, "url") ?? "";
    if (url === "") {
      bot.webhook = null;
      return true;
    }
    // Kept, not called: the stand-in cannot reach a bot's webhook. Real Telegram refuses plain http.
    if (!url.startsWith("https://")) throw badRequest("bad webhook: An HTTPS URL must be provided for webhook");
    bot.webhook = { url, secretToken: optionalString(p, "secret_token") };
    if (p.drop_pending_updates === true) bot.dropPendingUpdates();
    return true;
  },
  deletewebhook: (bot, p) => {
    bot.webhook = null;
    if (p.drop_pending_updates === true) bot.dropPendingUpdates();
    return true;
  },
  getwebhookinfo: (bot) => ({ url: bot.webhook?.url ?? "", has_custom_certificate: false, pending_update_count: bot.pendingUpdates(), ...(bot.allowedUpdates ? { allowed_updates: bot.allowedUpdates } : {}) }),

  getchat: (bot, p) => ({ ...bot.chat(chatIdParam(p)), accent_color_id: 0, max_reaction_count: 11, accepted_gift_types: { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false } }),
  getchatmember: (bot, p) => {
    const chat = bot.chat(chatIdParam(p));
    const userId = requiredInt(p, "user_id", "user_id is empty");
    const user = userId === bot.me.id ? bot.me : userId === chat.id ? bot.users.get(chat.id) : undefined;
    if (!user) throw badRequest("user not found");
    return { status: "member", user };
  },
  getfile: (bot, p) => {
    const id = optionalString(p, "file_id") ?? "";
    const f = bot.files.get(id);
    if (!f) throw badRequest("invalid file_id");
    return { file_id: id, file_unique_id: id, file_size: f.bytes.length, file_path: f.path };
  },
  sendmediagroup: (bot, p) => {
    const media = jsonParam<Array<{ type?: string; caption?: string }>>(p, "media");
    if (!Array.isArray(media) || media.length < 2 || media.length > 10) throw badRequest("wrong number of media in the album");
    return media.map((m) => botSays(bot, "sendMediaGroup", { ...p, caption: m.caption }, { caption: m.caption, kind: m.type ?? "document" }));
  },
  ...Object.fromEntries(
    Object.entries(MEDIA).map(([name, kind]) => [name, (bot: BotState, p: Params) => botSays(bot, name, p, { caption: checkedText(p, "caption", false), kind })] as const),
  ),
};

/** Real Bot API methods with nothing to model here: accepted with their documented plain result. */
export const ACCEPTED: Record<string, unknown> = {
  pinchatmessage: true,
  unpinchatmessage: true,
  unpinallchatmessages: true,
  setmydescription: true,
  setmyshortdescription: true,
  setmyname: true,
  getmyname: { name: "" },
  getmydescription: { description: "" },
  getmyshortdescription: { short_description: "" },
  setchatmenubutton: true,
  getchatmenubutton: { type: "default" },
  setmydefaultadministratorrights: true,
  getmydefaultadministratorrights: {},
};

export function notFound(): BotApiError {
  return new BotApiError(404, "Not Found");
}
