import { connect, type Socket } from "node:net";

/**
 * Guard for `web.login.start {channel:"whatsapp"}`: first check that WhatsApp Web is reachable
 * from this instance (DNS + TCP to web.whatsapp.com:443, or a CONNECT through the gateway's
 * outbound proxy when it has one; a few seconds at most).
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

export interface ReachOptions {
  timeoutMs?: number;
  host?: string;
  port?: number;
  /** The gateway's outbound proxy: WhatsApp's transport tunnels through it, so the check does too. */
  proxy?: string;
  noProxy?: string[];
}

export type Reach = { ok: true } | { ok: false; reason: string };

export function whatsappReachable(opts: ReachOptions = {}): Promise<Reach> {
  const { timeoutMs = 4000, host = WHATSAPP_HOST, port = 443 } = opts;
  const proxy = opts.proxy && !bypassesProxy(host, opts.noProxy ?? []) ? new URL(opts.proxy) : undefined;
  return new Promise((resolve) => {
    const socket = proxy
      ? connect({ host: proxy.hostname, port: Number(proxy.port || 80), timeout: timeoutMs })
      : connect({ host, port, timeout: timeoutMs });
    const where = proxy ? `${host}:${port} through the proxy ${proxy.host}` : `${host}:${port}`;
    const done = (r: Reach) => {
      socket.destroy();
      resolve(r);
    };
    socket.once("connect", () => (proxy ? tunnel(socket, host, port, done) : done({ ok: true })));
    socket.once("timeout", () => done({ ok: false, reason: `no answer from ${where} within ${timeoutMs} ms` }));
    socket.once("error", (e: NodeJS.ErrnoException) => done({ ok: false, reason: `${e.code ?? e.message} ${where}` }));
  });
}

/** Asks the proxy for a tunnel; a 2xx status line means WhatsApp is reachable through it. */
function tunnel(socket: Socket, host: string, port: number, done: (r: Reach) => void) {
  let head = "";
  socket.on("data", (chunk) => {
    head += chunk.toString("latin1");
    const end = head.indexOf("\r\n");
    if (end < 0) return;
    const status = head.slice(0, end);
    done(/^HTTP\/1\.[01] 2\d\d/.test(status) ? { ok: true } : { ok: false, reason: `the proxy refused a tunnel to ${host}:${port} (${status})` });
  });
  socket.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`);
}

/** NO_PROXY as curl and undici read it: an exact host, a domain suffix (".x" or "x"), or "*". */
export function bypassesProxy(host: string, noProxy: string[]): boolean {
  return noProxy.some((entry) => {
    if (entry === "*") return true;
    const domain = entry.replace(/^\./, "").toLowerCase();
    const h = host.toLowerCase();
    return h === domain || h.endsWith(`.${domain}`);
  });
}
