import { request, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { WebSocket } from "ws";

/**
 * Small clients for the attack suite. `from` binds the client socket to a loopback address of
 * its own (127.0.0.2, 127.0.0.3, ...), so one machine can act as several clients behind the
 * app's proxy, each with its own source address, without touching anything outside loopback.
 */
export interface Res<T = any> {
  status: number;
  body: T;
  text: string;
  headers: IncomingHttpHeaders;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  from?: string;
}

/** Reads a whole answer: its text, and its JSON when it is JSON (else the text; empty: undefined). */
function readBody(res: IncomingMessage, done: (text: string, body: any) => void): void {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => {
    const text = Buffer.concat(chunks).toString("utf8");
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    done(text, body);
  });
}

export function call<T = any>(base: string, method: string, path: string, opts: CallOptions = {}): Promise<Res<T>> {
  const url = new URL(base + path);
  const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: url.pathname + url.search,
        localAddress: opts.from,
        headers: {
          ...(payload ? { "content-type": "application/json", "content-length": String(payload.length) } : {}),
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(opts.headers ?? {}),
        },
      },
      (res) => readBody(res, (text, body) => resolve({ status: res.statusCode ?? 0, body, text, headers: res.headers })),
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** Sends raw bytes and parses the answer's status line and JSON body (for 414/431 probes). */
export function rawRequest(base: string, raw: string): Promise<{ status: number; body: any; text: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", (e) => (chunks.length ? undefined : reject(e)));
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const bodyText = text.slice(text.indexOf("\r\n\r\n") + 4);
      let body: any = bodyText;
      try {
        body = JSON.parse(bodyText);
      } catch {
        // not JSON
      }
      resolve({ status, body, text });
    });
    socket.write(raw);
  });
}

export interface WsOutcome {
  /** HTTP status of a refused upgrade; 101 when the socket opened. */
  status: number;
  body?: any;
  /** The first message after opening (the VNC server's RFB banner). */
  firstMessage?: string;
  /** The connection ended with no HTTP answer at all. */
  dropped?: boolean;
}

/** Opens a WebSocket and reports how the server answered the upgrade. */
export function wsProbe(url: string, opts: { from?: string; timeoutMs?: number } = {}): Promise<WsOutcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ["binary"], { localAddress: opts.from, perMessageDeflate: false });
    const done = (o: WsOutcome) => {
      clearTimeout(timer);
      resolve(o);
      ws.terminate();
    };
    const timer = setTimeout(() => done({ status: 101, firstMessage: undefined }), opts.timeoutMs ?? 15_000);
    ws.on("unexpected-response", (_req, res) => readBody(res, (_text, body) => done({ status: res.statusCode ?? 0, body })));
    ws.on("message", (data) => done({ status: 101, firstMessage: data.toString() }));
    ws.on("error", () => done({ status: 0, dropped: true }));
  });
}
