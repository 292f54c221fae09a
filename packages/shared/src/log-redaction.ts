/**
 * THE redaction policy of every ClawBox log line (Manager, App API, pod agent, tests), in one
 * place so no service can forget a case:
 *   - object paths that carry secrets are censored by pino (REDACT_PATHS);
 *   - a logged URL keeps its path only: query strings carry `?token=<API key>`,
 *     `?ticket=<VNC ticket>` and OAuth codes, so the query is replaced by "?[redacted]";
 *   - any other string (messages, error texts) is scrubbed of bearer tokens, credential query
 *     parameters and VNC tickets (scrubText), because a library may echo a URL or header.
 */
export const CENSOR = "[redacted]";

/** Paths that may carry secrets anywhere in a log object (pino `redact`). */
export const REDACT_PATHS = [
  "secrets",
  "*.secrets",
  "token",
  "*.token",
  "ticket",
  "*.ticket",
  "botToken",
  "*.botToken",
  "password",
  "*.password",
  "apiKey",
  "*.apiKey",
  "idToken",
  "*.idToken",
  "authorization",
  "*.authorization",
  "cookie",
  "*.cookie",
  "headers.authorization",
  "headers.cookie",
  'headers["set-cookie"]',
  'headers["x-api-key"]',
  "*.headers.authorization",
  "*.headers.cookie",
  '*.headers["set-cookie"]',
  '*.headers["x-api-key"]',
  "refreshToken",
  "*.refreshToken",
  "accessToken",
  "*.accessToken",
  "key",
  "*.key",
];

/** A URL as it may be logged: the path, and "?[redacted]" in place of any query string. */
export function redactUrl(url: unknown): unknown {
  if (typeof url !== "string") return url;
  const q = url.indexOf("?");
  return q === -1 ? url : `${url.slice(0, q)}?${CENSOR}`;
}

const SCRUBBERS: Array<[RegExp, string]> = [
  // Authorization header values echoed in messages.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${CENSOR}`],
  // Credential query parameters inside any URL in a message.
  [/([?&](?:token|ticket|key|api_key|apikey|access_token|refresh_token|code|password|secret)=)[^&\s"'#]*/gi, `$1${CENSOR}`],
  // VNC tickets ("vt2.<...>") wherever they appear.
  [/\bvt\d\.[A-Za-z0-9._-]+/g, CENSOR],
];

/** Removes credentials from free text (log messages, error messages). */
export function scrubText(text: string): string {
  let out = text;
  for (const [re, replacement] of SCRUBBERS) out = out.replace(re, replacement);
  return out;
}

/** Scrubs every string in a (small) log object; depth-limited so a huge object stays cheap. */
export function scrubObject(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return scrubText(value);
  if (depth > 5 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => scrubObject(v, depth + 1));
  // Class instances (errors, Fastify requests and replies) are left to their serializers.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === "url" ? scrubObject(redactUrl(v), depth + 1) : scrubObject(v, depth + 1);
  return out;
}

/** Request serializer (Fastify's shape) that never logs a query string or a header value. */
export function serializeRequest(req: {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}) {
  return {
    method: req.method,
    url: redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/** Error serializer: message and stack scrubbed (errors often quote the URL they failed on). */
export function serializeError(err: unknown) {
  if (!(err instanceof Error)) return scrubObject(err);
  const e = err as Error & { code?: unknown; statusCode?: unknown };
  return {
    type: e.name,
    message: scrubText(e.message),
    stack: e.stack ? scrubText(e.stack) : undefined,
    ...(e.code !== undefined ? { code: e.code } : {}),
    ...(e.statusCode !== undefined ? { statusCode: e.statusCode } : {}),
  };
}
