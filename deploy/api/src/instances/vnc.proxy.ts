import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { verifyVncTicket, type Logger } from "@clawbox/shared";
import { WebSocket, WebSocketServer } from "ws";
import type { ApiConfig } from "../config.ts";
import type { ManagerClient } from "../manager/manager.client.ts";
import type { InstancesRepository } from "./instances.repository.ts";

const PATH = /^\/instances\/([^/]+)\/vnc$/;

function refuse(socket: Duplex, status: number, error: string): void {
  // The upstream can fail twice (unexpected-response, then the error from terminate()):
  // answer the browser once, and never write to a socket that is already closed.
  if (socket.writableEnded || socket.destroyed) return;
  const body = JSON.stringify({ error, code: status === 404 ? "not_found" : "unauthorized" });
  socket.end(
    `HTTP/1.1 ${status} ${status === 404 ? "Not Found" : status === 502 ? "Bad Gateway" : "Unauthorized"}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * `GET /instances/:id/vnc?ticket=<ticket>` (WebSocket). The ticket (from POST
 * /instances/:id/vnc/ticket) is the credential: it must be valid for THIS instance's Manager
 * userId. Then the socket is piped to the Manager's VNC proxy, passing the ticket as `token`
 * (never the API key). Handled on the raw HTTP server, outside NestJS routing.
 */
export function attachVncProxy(
  server: Server,
  deps: { config: ApiConfig; instances: InstancesRepository; manager: ManagerClient; logger: Logger },
): void {
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
      socket.destroy();
    });
  });

  async function handle(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? "/", "http://x");
    const m = PATH.exec(url.pathname);
    if (!m) return refuse(socket, 404, "Not found");
    const ticket = url.searchParams.get("ticket") ?? "";
    const row = await deps.instances.findById(decodeURIComponent(m[1]!));
    if (!row) return refuse(socket, 404, "Instance not found");
    if (!verifyVncTicket(deps.config.managerApiKey, ticket, row.managerUserId)) {
      return refuse(socket, 401, "Invalid or expired VNC ticket");
    }
    const protocols = String(req.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    const upstream = new WebSocket(deps.manager.vncUrl(row.managerUserId, ticket), protocols, { perMessageDeflate: false });
    upstream.binaryType = "nodebuffer";
    upstream.once("unexpected-response", (_r, res) => {
      refuse(socket, res.statusCode === 404 ? 404 : 502, `The instance's live view is not available (Manager answered ${res.statusCode})`);
      upstream.terminate();
    });
    upstream.once("error", (e) => {
      if (upstream.readyState !== WebSocket.OPEN) refuse(socket, 502, "The instance's live view is not reachable");
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
