/**
 * Stand-in for the internet, as the assistants under test see it: an HTTP proxy on loopback
 * (CLAWBOX_INSTANCE_PROXY) that forwards nothing. Every plain request and every CONNECT tunnel
 * is answered `403` and recorded, so a test can show where an assistant tried to go (WhatsApp Web,
 * the Baileys version check on GitHub) while its traffic never left the machine: with a proxy
 * configured, the client hands the host name to the proxy and does not resolve it itself.
 */
import type { Socket } from "node:net";
import { startHttp } from "./http-standin.ts";

export interface EgressAttempt {
  /** `CONNECT` (a TLS or WebSocket tunnel) or the plain request's method. */
  method: string;
  /** host:port for a tunnel, the absolute URL for a plain request. */
  target: string;
  host: string;
}

export interface EgressStandin {
  /** The proxy's URL, for CLAWBOX_INSTANCE_PROXY. */
  url: string;
  attempts: EgressAttempt[];
  stop(): Promise<void>;
}

const REFUSAL = "no internet from tests: the egress stand-in forwards nothing";

export async function start(): Promise<EgressStandin> {
  const attempts: EgressAttempt[] = [];
  // A proxied plain request carries the absolute URL as its target.
  const http = await startHttp((req, _body, res) => {
    const target = req.url ?? "";
    let host = req.headers.host ?? "";
    try {
      host = new URL(target).hostname;
    } catch {
      /* not absolute: keep the Host header */
    }
    attempts.push({ method: req.method ?? "GET", target, host });
    res.writeHead(403, { "content-type": "text/plain" }).end(REFUSAL);
  });
  http.server.on("connect", (req, socket: Socket) => {
    const target = req.url ?? "";
    attempts.push({ method: "CONNECT", target, host: target.replace(/:\d+$/, "").replace(/^\[|\]$/g, "") });
    socket.on("error", () => undefined);
    socket.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: ${REFUSAL.length}\r\n\r\n${REFUSAL}`);
  });
  return { url: http.url, attempts, stop: http.stop };
}
