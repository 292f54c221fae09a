import type { IncomingMessage } from "node:http";

/**
 * Request parameters of the Telegram Bot API stand-in, read the way the real Bot API reads them:
 * the query string, plus a body in `application/json`, `application/x-www-form-urlencoded` or
 * `multipart/form-data` (files). Form and query values are strings; structured fields
 * (reply_markup, allowed_updates, commands, reaction ...) arrive JSON-serialized there, so they
 * are decoded the way Telegram decodes them. Uploaded files become {filename, size}.
 */
export type Params = Record<string, unknown>;

export class BotApiError extends Error {
  readonly code: number;
  readonly parameters?: Record<string, unknown>;
  constructor(code: number, description: string, parameters?: Record<string, unknown>) {
    super(description);
    this.code = code;
    this.parameters = parameters;
  }
}

export const badRequest = (what: string) => new BotApiError(400, `Bad Request: ${what}`);

export async function readParams(req: IncomingMessage, url: URL): Promise<Params> {
  const params: Params = {};
  for (const [k, v] of url.searchParams) params[k] = decodeFormValue(v);
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  if (raw.length === 0) return params;
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  if (type.startsWith("application/json")) {
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      throw badRequest("can't parse JSON object");
    }
    if (!body || typeof body !== "object" || Array.isArray(body)) throw badRequest("can't parse JSON object");
    return { ...params, ...(body as Params) };
  }
  if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
    // The platform's own form parser (undici) handles both encodings, boundaries and files.
    const form = await new Response(raw, { headers: { "content-type": req.headers["content-type"]! } }).formData();
    for (const [k, v] of form) {
      params[k] = typeof v === "string" ? decodeFormValue(v) : { filename: v.name, size: v.size, type: v.type };
    }
    return params;
  }
  return params;
}

/** `[...]` and `{...}` are JSON-serialized fields; true/false are booleans; the rest stays text. */
function decodeFormValue(v: string): unknown {
  const t = v.trim();
  if ((t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]"))) {
    try {
      return JSON.parse(t);
    } catch {
      return v;
    }
  }
  if (t === "true") return true;
  if (t === "false") return false;
  return v;
}

export function optionalInt(p: Params, name: string): number | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === "") return undefined;
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isInteger(n)) throw badRequest(`field "${name}" must be an integer`);
  return n;
}

export function requiredInt(p: Params, name: string, missing = `${name} is empty`): number {
  const n = optionalInt(p, name);
  if (n === undefined) throw badRequest(missing);
  return n;
}

export function optionalString(p: Params, name: string): string | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v !== "string") throw badRequest(`field "${name}" must be of type String`);
  return v;
}

/** chat_id: an integer (or its text), or "@channelusername". */
export function chatIdParam(p: Params): number | string {
  const v = p.chat_id;
  if (v === undefined || v === null || v === "") throw badRequest("chat_id is empty");
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^-?\d+$/.test(v)) return Number(v);
  if (typeof v === "string" && v.startsWith("@")) return v;
  throw badRequest("chat not found");
}

export function jsonParam<T>(p: Params, name: string): T | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "string") {
    try {
      return JSON.parse(v) as T;
    } catch {
      throw badRequest(`can't parse ${name} JSON object`);
    }
  }
  return v as T;
}
