import { badRequest } from "./telegram-standin-params.ts";

/**
 * What a chat shows for a formatted text, as the Bot API computes it: `parse_mode` HTML is
 * checked like Telegram checks it (only the supported tags, balanced, `&` as an entity; anything
 * else is 400 "can't parse entities", which clients answer by resending plain text), then the
 * markup is removed. MarkdownV2/Markdown are only unescaped: their full grammar is not modelled.
 */
const HTML_TAGS = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji", "tg-time"]);
const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

export function visibleText(text: string, parseMode: string | undefined): string {
  if (parseMode === undefined || parseMode === "") return text;
  const mode = parseMode.toLowerCase();
  if (mode === "html") return htmlText(text);
  if (mode === "markdownv2" || mode === "markdown") return text.replace(/\\([_*[\]()~`>#+\-=|{}.!\\])/g, "$1").replace(/[*_~`]/g, "");
  throw badRequest(`unsupported parse_mode`);
}

function htmlText(text: string): string {
  const open: string[] = [];
  let out = "";
  const re = /<(\/?)([a-zA-Z-]+)([^>]*)>|&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);|[<&]/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out += text.slice(last, m.index);
    last = re.lastIndex;
    const at = Buffer.byteLength(text.slice(0, m.index), "utf8");
    if (m[0] === "<" || m[0] === "&") throw badRequest(`can't parse entities: Unsupported start tag "" at byte offset ${at}`);
    if (m[4] !== undefined) {
      const e = m[4];
      if (e.startsWith("#x")) out += String.fromCodePoint(parseInt(e.slice(2), 16));
      else if (e.startsWith("#")) out += String.fromCodePoint(Number(e.slice(1)));
      else if (ENTITIES[e]) out += ENTITIES[e];
      else throw badRequest(`can't parse entities: Unsupported HTML entity "&${e};" at byte offset ${at}`);
      continue;
    }
    const tag = m[2]!.toLowerCase();
    if (!HTML_TAGS.has(tag)) throw badRequest(`can't parse entities: Unsupported start tag "${tag}" at byte offset ${at}`);
    if (m[1] === "/") {
      if (open.pop() !== tag) throw badRequest(`can't parse entities: Unexpected end tag at byte offset ${at}`);
    } else {
      open.push(tag);
    }
  }
  out += text.slice(last);
  if (open.length > 0) throw badRequest(`can't parse entities: Can't find end tag corresponding to start tag "${open.at(-1)}"`);
  return out;
}
