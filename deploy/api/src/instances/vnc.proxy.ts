import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { rawHttpResponse, TicketLedger, verifyVncTicket, type ErrorBody, type Logger } from "@clawbox/shared";
import { WebSocket, WebSocketServer } from "ws";
import type { ApiConfig } from "../config.ts";
import type { ManagerClient } from "../manager/manager.client.ts";
import type { InstancesRepository } from "./instances.repository.ts";

const PATH = /^\/instances\/([^/]+)\/vnc$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * THE answer to every refused upgrade before a valid ticket is seen: no such path, a malformed
 * id, an instance that does not exist, someone else's instance, a bad, expired or used ticket.
 * Same status, same body (the REST API's "not yours" 404), so the socket is no oracle for
 * which instance ids exist.
 */
const REFUSED: { status: number; body: ErrorBody } = { status: 404, body: { error: "Instance not found", code: "not_found" } };

function answer(socket: Duplex, status: number, body: ErrorBody): void {
  // The upstream can fail twice (unexpected-response, then the error from terminate()):
  // answer the browser once, and never write to a socket that is already closed.
  if (socket.writableEnded || socket.destroyed) return;
  socket.end(rawHttpResponse(status, body));
}
const refuse = (socket: Duplex) => answer(socket, REFUSED.status, REFUSED.body);
const CODES: Record<number, string> = { 502: "bad_gateway", 503: "unavailable", 504: "gateway_timeout" };
const unavailable = (socket: Duplex, status: number, error: string) => answer(socket, status, { error, code: CODES[status] ?? "unavailable" });

/**
 * `GET /instances/:id/vnc?ticket=<ticket>` (WebSocket). The ticket (from POST
 * /instances/:id/vnc/ticket) is the credential: it must be bound to THIS instance, its owner
 * and its Manager userId, and it opens one session (`ledger`). Then the socket is piped to the
 * Manager's VNC proxy, passing the ticket as `token` (never the API key). Handled on the raw
 * HTTP server, outside NestJS routing.
 */
export function attachVncProxy(
  server: Server,
  deps: { config: ApiConfig; instances: InstancesRepository; manager: ManagerClient; logger: Logger },
): void {
  const ledger = new TicketLedger();
  // Answer the browser with the subprotocol the Manager chose (noVNC asks for "binary").
  const chosen = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (_protocols, req) => chosen.get(req) || false,
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A browser that goes away mid-handshake must not crash the API.
    socket.on("error", (e) => deps.logger.debug({ err: e.message }, "vnc client socket error"));
    void handle(req, socket, head).catch((e) => {
      deps.logger.warn({ err: (e as Error)?.message }, "vnc upgrade failed");
      unavailable(socket, 503, "The instance's live view is not available");
    });
  });

  async function handle(req: IncomingMessage, socket: Duplex, head: Buffer) {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://x");
    } catch {
      return refuse(socket);
    }
    const m = PATH.exec(url.pathname);
    let id = "";
    try {
      id = m ? decodeURIComponent(m[1]!) : "";
    } catch {
      // "%ZZ": not an id, same answer as any other
    }
    const tickets = url.searchParams.getAll("ticket");
    if (!UUID.test(id) || tickets.length !== 1) return refuse(socket);
    const row = await deps.instances.findById(id);
    const claims = row
      ? verifyVncTicket(deps.config.managerApiKey, tickets[0], { userId: row.managerUserId, instanceId: row.id, subject: row.ownerId })
      : null;
    if (!row || !claims || !ledger.consume(claims)) return refuse(socket);
    const ticket = tickets[0]!;
    const protocols = String(req.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    const upstream = new WebSocket(deps.manager.vncUrl(row.managerUserId, ticket), protocols, { perMessageDeflate: false });
    upstream.binaryType = "nodebuffer";
    upstream.once("unexpected-response", (_r, res) => {
      // The Manager no longer knows the instance: the same "not found" as everywhere.
      // 503 (not available) and 504 (a sleeping instance still waking up: try again) keep their
      // meaning for the app; anything else is the Manager failing, a 502.
      if (res.statusCode === 404) refuse(socket);
      else if (res.statusCode === 504) unavailable(socket, 504, "The assistant is still waking up; try again in a moment");
      else unavailable(socket, res.statusCode === 503 ? 503 : 502, `The instance's live view is not available (Manager answered ${res.statusCode})`);
      upstream.terminate();
    });
    upstream.once("error", (e) => {
      if (upstream.readyState !== WebSocket.OPEN) unavailable(socket, 502, "The instance's live view is not reachable");
      deps.logger.warn({ instanceId: row.id, err: e.message }, "vnc upstream error");
    });
    upstream.once("open", () => {
      if (upstream.protocol) chosen.set(req, upstream.protocol);
      wss.handleUpgrade(req, socket, head, (client) => {
        deps.logger.info({ instanceId: row.id, userId: row.ownerId }, "vnc session opened");
        client.on("message", (data, isBinary) => upstream.readyState === WebSocket.OPEN && upstream.send(data, { binary: isBinary }));
        upstream.on("message", (data, isBinary) => client.readyState === WebSocket.OPEN && client.send(data, { binary: isBinary }));
        const closeBoth = () => {
          if (client.readyState === WebSocket.OPEN) client.close();
          if (upstream.readyState === WebSocket.OPEN) upstream.close();
        };
        client.on("close", closeBoth);
        upstream.on("close", closeBoth);
        client.on("error", closeBoth);
        upstream.on("error", closeBoth);
      });
    });
  }
}
