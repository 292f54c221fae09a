import { sendJson, startHttp } from "./http-standin.ts";

/**
 * STAND-IN for RevenueCat (not reachable from here), following its public REST API v1:
 * `GET /v1/subscribers/{app_user_id}` with `Authorization: Bearer <secret API key>` ->
 * {request_date, subscriber:{original_app_user_id, entitlements:{<id>:{expires_date,
 * product_identifier, purchase_date}}, subscriptions:{...}}}. Unknown users get an empty
 * subscriber (RevenueCat creates them on first lookup). `sendWebhook` posts an event the way
 * RevenueCat's webhooks do: {api_version:"1.0", event:{...}} with the configured Authorization.
 */
export async function start(opts: { apiKey: string }) {
  const entitlements = new Map<string, Record<string, { expires_date: string | null; product_identifier: string; purchase_date: string }>>();
  const lookups: string[] = [];

  const http = await startHttp((req, _body, res, url) => {
    const m = /^\/v1\/subscribers\/([^/]+)$/.exec(url.pathname);
    if (req.method !== "GET" || !m) return sendJson(res, 404, { code: 7259, message: "Not found" });
    if (req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      return sendJson(res, 401, { code: 7225, message: "Invalid API key." });
    }
    const appUserId = decodeURIComponent(m[1]!);
    lookups.push(appUserId);
    sendJson(res, 200, {
      request_date: new Date().toISOString(),
      request_date_ms: Date.now(),
      subscriber: {
        original_app_user_id: appUserId,
        first_seen: new Date().toISOString(),
        entitlements: entitlements.get(appUserId) ?? {},
        subscriptions: {},
        non_subscriptions: {},
      },
    });
  });

  return {
    url: http.url,
    lookups,
    /** expiresAt null = lifetime; undefined removes the entitlement. */
    setEntitlement(appUserId: string, entitlement: string, expiresAt: Date | null | undefined) {
      const current = entitlements.get(appUserId) ?? {};
      if (expiresAt === undefined) delete current[entitlement];
      else {
        current[entitlement] = {
          expires_date: expiresAt ? expiresAt.toISOString() : null,
          product_identifier: "clawbox_pro_monthly",
          purchase_date: new Date(Date.now() - 86_400_000).toISOString(),
        };
      }
      entitlements.set(appUserId, current);
    },
    stop: http.stop,
  };
}

export interface WebhookEvent {
  type: string;
  app_user_id: string;
  entitlement_ids?: string[];
  expiration_at_ms?: number | null;
  [k: string]: unknown;
}

/** Sends a webhook like RevenueCat does (POST JSON, Authorization header = configured value). */
export async function sendWebhook(targetUrl: string, authorization: string | undefined, event: WebhookEvent) {
  const res = await fetch(targetUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({
      api_version: "1.0",
      event: {
        id: crypto.randomUUID(),
        event_timestamp_ms: Date.now(),
        original_app_user_id: event.app_user_id,
        aliases: [event.app_user_id],
        product_id: "clawbox_pro_monthly",
        period_type: "NORMAL",
        store: "APP_STORE",
        environment: "SANDBOX",
        ...event,
      },
    }),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}
