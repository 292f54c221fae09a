import { connect } from "node:net";

/**
 * Guard for `web.login.start {channel:"whatsapp"}`: first check that WhatsApp Web is reachable
 * from this pod (DNS + TCP to web.whatsapp.com:443, a few seconds at most).
 *
 * Why: with openclaw 2026.9.6 + @openclaw/whatsapp 2026.9.6, a login that fails fast (e.g.
 * `getaddrinfo ENOTFOUND web.whatsapp.com`) returns its error, but leaves the QR wait timer
 * running; when it fires ("Timed out waiting for WhatsApp QR") the rejection is unhandled and
 * the whole gateway process exits (seen here: exit code 1, stability bundle
 * "unhandled_rejection"). So an unreachable WhatsApp gets the gateway's own failure shape
 * (`{message}`, no qrDataUrl) from the agent and the gateway is not asked.
 */
export const WHATSAPP_HOST = "web.whatsapp.com";

export function isWhatsAppLoginStart(method: string, params: unknown): boolean {
  return method === "web.login.start" && (params as { channel?: unknown } | undefined)?.channel === "whatsapp";
}

export function whatsappReachable(timeoutMs = 4000, host = WHATSAPP_HOST, port = 443): Promise<{ ok: true } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (r: { ok: true } | { ok: false; reason: string }) => {
      socket.destroy();
      resolve(r);
    };
    socket.once("connect", () => done({ ok: true }));
    socket.once("timeout", () => done({ ok: false, reason: `no answer from ${host}:${port} within ${timeoutMs} ms` }));
    socket.once("error", (e: NodeJS.ErrnoException) => done({ ok: false, reason: `${e.code ?? e.message} ${host}` }));
  });
}
