import { HttpError } from "@clawbox/shared";
import type { ChannelStatus, WhatsappQr, WhatsappQrResult, WhatsappWait, WhatsappWaitResult } from "@clawbox/shared/contract/index";
import { channelStatusOrUnknown } from "../gateway/channel-summary.ts";
import type { InstanceGateway } from "../gateway/instance-gateway.ts";
import { ensureWhatsAppPlugin } from "../gateway/whatsapp-plugin.ts";

/**
 * WhatsApp linking (the @openclaw/whatsapp plugin, preinstalled, loaded on the first QR request:
 * gateway/whatsapp-plugin.ts):
 *   qr     {force?, timeoutMs?} -> [plugin on] web.login.start {channel:"whatsapp", force, timeoutMs} -> {qrDataUrl, message}
 *   wait   {timeoutMs?}         -> web.login.wait  {channel:"whatsapp", timeoutMs}        -> {connected, message}
 *   status                      -> channels.status {channel:"whatsapp"}                   -> summary
 * web.login.start reports a failure as a *successful* RPC whose payload has only `message`
 * (e.g. "WhatsApp login failed: ... ENOTFOUND web.whatsapp.com"); that becomes a 502 here, so
 * the app never shows an empty QR. It never waits longer than its own timeoutMs (min 5 s).
 */
const RPC_MARGIN_MS = 5000;

/** Input checked by the route's schema (WhatsappQrSchema). */
export async function whatsappQr(gw: InstanceGateway, userId: string, body: WhatsappQr, pluginWaitMs: number): Promise<WhatsappQrResult> {
  await ensureWhatsAppPlugin(gw, userId, pluginWaitMs);
  const force = body.force ?? false;
  const timeoutMs = body.timeoutMs ?? 30_000;
  const r = await gw.call<{ qrDataUrl?: string; message?: string; connected?: boolean }>(
    userId,
    "web.login.start",
    { channel: "whatsapp", force, timeoutMs },
    timeoutMs + RPC_MARGIN_MS,
  );
  if (r?.qrDataUrl) return { qrDataUrl: r.qrDataUrl, message: r.message ?? "Scan this QR code in WhatsApp > Linked devices" };
  if (r?.connected) return { qrDataUrl: null, connected: true, message: r.message ?? "WhatsApp is already linked" };
  throw new HttpError(502, `WhatsApp login could not start: ${r?.message ?? "the gateway returned no QR code"}`, {
    code: "WHATSAPP_LOGIN_FAILED",
    details: { gatewayMessage: r?.message ?? null },
  });
}

/** Input checked by the route's schema (WhatsappWaitSchema). */
export async function whatsappWait(gw: InstanceGateway, userId: string, body: WhatsappWait): Promise<WhatsappWaitResult> {
  const timeoutMs = body.timeoutMs ?? 120_000;
  const r = await gw.call<{ connected?: boolean; message?: string; qrDataUrl?: string }>(
    userId,
    "web.login.wait",
    { channel: "whatsapp", timeoutMs },
    timeoutMs + RPC_MARGIN_MS,
  );
  const out: WhatsappWaitResult = { connected: Boolean(r?.connected), message: r?.message ?? "" };
  if (r?.qrDataUrl) out.qrDataUrl = r.qrDataUrl;
  return out;
}

export async function whatsappStatus(gw: InstanceGateway, userId: string): Promise<ChannelStatus> {
  return channelStatusOrUnknown("whatsapp", () => gw.call<Record<string, unknown>>(userId, "channels.status", { channel: "whatsapp" }, 20_000));
}
