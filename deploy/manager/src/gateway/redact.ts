/**
 * Gateway answers may carry secrets (a bot token in a config echo, an error quoting input).
 * Keys that look secret are dropped and known secret values are masked before anything is
 * returned or logged. `tokenSource`-style descriptive keys are kept.
 */
const SECRET_KEY = /(^|[^a-z])(token|secret|password|apikey|api_key)$/i;
const KEEP = new Set(["tokenSource", "tokenStatus", "tokenConfigured"]);

export function redactSecrets<T>(value: T, secrets: string[] = []): T {
  const mask = (s: string) => secrets.reduce((acc, sec) => (sec ? acc.split(sec).join("[redacted]") : acc), s);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return mask(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (!KEEP.has(k) && (SECRET_KEY.test(k) || k.toLowerCase() === "bottoken")) continue;
        out[k] = walk(x);
      }
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
