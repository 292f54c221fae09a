import type { FastifyRequest } from "fastify";
import { assertUserId, HttpError, notFound, safeEqual, TicketLedger, unauthorized, unavailable, verifyVncTicket, type InstanceRuntime } from "@clawbox/shared";
import WebSocket from "ws";

/**
 * `GET /api/instances/:userId/vnc?token=<API key | VNC ticket>` (WebSocket): piped byte for byte
 * to the instance's websockify (noVNC), which speaks RFB ("RFB 003.008\n" first). The browser
 * never holds the API key: the App API passes a ticket signed with it, bound to this userId and
 * valid 60 s (verifyVncTicket), and each ticket opens one session here (`ledger`). The token is
 * checked before anything about the instance, so without a valid one every userId gets the same
 * 401. Everything is checked before the upgrade, so a refusal is a plain HTTP 400/401/404/503
 * in the one error shape. A repeated `?token=` arrives as an array: simply not a valid token.
 */
export async function checkVncRequest(
  req: FastifyRequest<{ Params: { userId: string }; Querystring: { token?: unknown } }>,
  apiKey: string,
  runtime: InstanceRuntime,
  ledger: TicketLedger,
  /** Wakes a sleeping instance and waits for it (SleepController.ensureAwake). */
  ensureAwake?: (userId: string) => Promise<void>,
): Promise<string> {
  const { userId } = req.params;
  assertUserId(userId);
  const token = req.query.token;
  let ok = safeEqual(token, apiKey);
  if (!ok) {
    const claims = verifyVncTicket(apiKey, token, { userId });
    ok = claims !== null && ledger.consume(claims);
  }
  if (!ok) throw unauthorized("Missing or invalid token (the Manager API key or an unused VNC ticket for this instance)");
  await ensureAwake?.(userId);
  const ep = await runtime.endpoint(userId);
  if (!ep) throw notFound(`instance ${userId} not found`);
  if (!ep.vncUrl) {
    const status = await runtime.get(userId);
    throw unavailable(status?.vnc?.reason ?? `the live browser view of ${userId} is not available`, { vnc: status?.vnc ?? null });
  }
  return ep.vncUrl;
}

/** Pipes one client socket to a new upstream socket (one per viewer, like websockify itself). */
export function pipeVnc(client: WebSocket, upstreamUrl: string, log: FastifyRequest["log"]) {
  const protocols = client.protocol ? [client.protocol] : ["binary"];
  const upstream = new WebSocket(upstreamUrl, protocols, { perMessageDeflate: false });
  const queued: Array<[WebSocket.RawData, boolean]> = [];
  const closeBoth = (code: number, reason: string) => {
    const safe = code === 1005 || code === 1006 || code < 1000 ? 1000 : code;
    if (client.readyState === WebSocket.OPEN) client.close(safe, reason);
    if (upstream.readyState === WebSocket.OPEN) upstream.close(safe, reason);
    else if (upstream.readyState === WebSocket.CONNECTING) upstream.terminate();
  };
  client.on("message", (data, isBinary) => {
    if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
    else queued.push([data, isBinary]);
  });
  upstream.on("open", () => {
    for (const [d, b] of queued.splice(0)) upstream.send(d, { binary: b });
  });
  upstream.on("message", (data, isBinary) => {
    if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
  });
  // websockify 0.10 closes with 1005, which `ws` reports as an error: handle both events.
  upstream.on("error", (e) => {
    log.warn({ err: e.message }, "vnc upstream error");
    if (client.readyState === WebSocket.OPEN) client.close(1011, "VNC server unavailable");
  });
  upstream.on("close", (code, reason) => closeBoth(code, reason.toString()));
  client.on("close", (code, reason) => closeBoth(code, reason.toString()));
  client.on("error", () => closeBoth(1011, "client error"));
}

export function isHttpError(e: unknown): e is HttpError {
  return e instanceof HttpError;
}
