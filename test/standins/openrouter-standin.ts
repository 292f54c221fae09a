import { createHash, randomBytes } from "node:crypto";
import { sendJson, startHttp } from "./http-standin.ts";

/**
 * STAND-IN for OpenRouter's key-management API (not reachable from here), per its public docs:
 * `POST /api/v1/keys` {name, limit?} -> 201 {data:{hash,name,label,disabled,limit,usage,
 * created_at,updated_at}, key:"sk-or-v1-..."}; `PATCH /api/v1/keys/{hash}` {disabled?, name?,
 * limit?} -> {data}; `GET /api/v1/keys/{hash}` -> {data}; `GET /api/v1/keys?offset=` -> {data:[...]}
 * (pages of 100). `failNextCreateAfterKey()` makes the next create make the key and then answer
 * 500, as a provider failing after the write would. Every call needs
 * `Authorization: Bearer <management key>` (401 otherwise). Calls are recorded.
 */
export interface StandinKey {
  hash: string;
  key: string;
  name: string;
  limit: number | null;
  disabled: boolean;
}

export async function start(opts: { managementKey: string }) {
  const keys = new Map<string, StandinKey>();
  const calls: { method: string; path: string; body: unknown; authorized: boolean }[] = [];
  let failAfterKey = false;
  const view = (k: StandinKey) => ({
    hash: k.hash,
    name: k.name,
    label: `${k.key.slice(0, 12)}...${k.key.slice(-3)}`,
    disabled: k.disabled,
    limit: k.limit,
    usage: 0,
    created_at: new Date().toISOString(),
    updated_at: null,
  });

  const http = await startHttp((req, body, res, url) => {
    const authorized = req.headers.authorization === `Bearer ${opts.managementKey}`;
    calls.push({ method: req.method ?? "", path: url.pathname, body, authorized });
    if (!authorized) return sendJson(res, 401, { error: { code: 401, message: "No auth credentials found" } });
    const b = (body ?? {}) as { name?: unknown; limit?: unknown; disabled?: unknown };
    if (req.method === "POST" && url.pathname.replace(/\/$/, "") === "/api/v1/keys") {
      if (typeof b.name !== "string" || !b.name) return sendJson(res, 400, { error: { code: 400, message: "name is required" } });
      const key = `sk-or-v1-${randomBytes(32).toString("hex")}`;
      const k: StandinKey = {
        hash: createHash("sha256").update(key).digest("hex"),
        key,
        name: b.name,
        limit: typeof b.limit === "number" ? b.limit : null,
        disabled: false,
      };
      keys.set(k.hash, k);
      if (failAfterKey) {
        failAfterKey = false;
        return sendJson(res, 500, { error: { code: 500, message: "Internal Server Error" } });
      }
      return sendJson(res, 201, { data: view(k), key });
    }
    if (req.method === "GET" && url.pathname.replace(/\/$/, "") === "/api/v1/keys") {
      const offset = Number(url.searchParams.get("offset") ?? 0) || 0;
      return sendJson(res, 200, { data: [...keys.values()].slice(offset, offset + 100).map(view) });
    }
    const m = /^\/api\/v1\/keys\/([^/]+)$/.exec(url.pathname);
    const k = m ? keys.get(decodeURIComponent(m[1]!)) : undefined;
    if (!k) return sendJson(res, 404, { error: { code: 404, message: "Key not found" } });
    if (req.method === "PATCH") {
      if (typeof b.disabled === "boolean") k.disabled = b.disabled;
      if (typeof b.limit === "number") k.limit = b.limit;
      if (typeof b.name === "string") k.name = b.name;
      return sendJson(res, 200, { data: view(k) });
    }
    if (req.method === "GET") return sendJson(res, 200, { data: view(k) });
    sendJson(res, 405, { error: { code: 405, message: "Method not allowed" } });
  });

  return {
    url: http.url,
    keys,
    calls,
    /** The next POST /api/v1/keys creates the key, then answers 500. */
    failNextCreateAfterKey() {
      failAfterKey = true;
    },
    stop: http.stop,
  };
}
