import type { WebSocket } from "ws";
import { GatewayError, type GatewayClient } from "@clawbox/shared/gateway/index";
import type { ActivityTracker } from "./activity.ts";
import type { AgentConfig } from "./config.ts";
import type { EventHub } from "./event-hub.ts";
import { isWhatsAppLoginStart, whatsappReachable } from "./whatsapp-preflight.ts";

/**
 * One relayed call: `{method, params, timeoutMs?}` -> the gateway's answer as
 * `{ok:true,payload}` / `{ok:false,error:{code,message,details}}`. Shared by the `/rpc`
 * WebSocket (frames carry an id) and `POST /rpc`.
 */
/** What a relayed call needs of the agent's config: the default timeout, the outbound proxy. */
export type RelaySettings = Pick<AgentConfig, "rpcTimeoutMs" | "egressProxy" | "noProxy">;

export async function relayCall(
  gateway: GatewayClient,
  activity: ActivityTracker,
  call: { method?: unknown; params?: unknown; timeoutMs?: unknown },
  settings: RelaySettings,
): Promise<{ ok: true; payload: unknown } | { ok: false; error: ReturnType<GatewayError["toShape"]> }> {
  if (typeof call.method !== "string" || call.method.length === 0) {
    return { ok: false, error: { code: "INVALID_REQUEST", message: "method must be a non-empty string", details: { field: "method" } } };
  }
  const timeoutMs =
    typeof call.timeoutMs === "number" && call.timeoutMs > 0 ? Math.min(call.timeoutMs, 15 * 60_000) : settings.rpcTimeoutMs;
  activity.touch();
  if (isWhatsAppLoginStart(call.method, call.params)) {
    const reach = await whatsappReachable({ proxy: settings.egressProxy, noProxy: settings.noProxy });
    if (!reach.ok) return { ok: true, payload: { message: `WhatsApp login failed: WhatsApp Web is unreachable from this instance (${reach.reason})` } };
  }
  try {
    const payload = await gateway.request(call.method, call.params, { timeoutMs });
    return { ok: true, payload };
  } catch (e) {
    const err = e instanceof GatewayError ? e : GatewayError.unavailable((e as Error).message);
    return { ok: false, error: err.toShape() };
  }
}

/**
 * Serves one Manager socket: many requests in flight, answered as they complete, and the
 * gateway's chat events pushed as `{type:"event", event, payload}` frames.
 */
export function serveRpcSocket(ws: WebSocket, gateway: GatewayClient, activity: ActivityTracker, settings: RelaySettings, events: EventHub) {
  const unsubscribe = events.subscribe((e) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: "event", event: e.event, payload: e.payload }));
  });
  ws.on("close", unsubscribe);
  ws.on("message", async (data) => {
    let frame: { type?: unknown; id?: unknown; method?: unknown; params?: unknown; timeoutMs?: unknown };
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return ws.send(JSON.stringify({ type: "res", id: null, ok: false, error: { code: "INVALID_REQUEST", message: "frame is not JSON" } }));
    }
    if (frame.type !== "req" || typeof frame.id !== "string") {
      return ws.send(
        JSON.stringify({ type: "res", id: frame.id ?? null, ok: false, error: { code: "INVALID_REQUEST", message: 'expected {type:"req", id, method}' } }),
      );
    }
    const result = await relayCall(gateway, activity, frame, settings);
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: "res", id: frame.id, ...result }));
  });
  ws.on("error", () => undefined);
}
