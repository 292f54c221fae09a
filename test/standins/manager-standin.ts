import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { safeEqual, verifyVncTicket, type InstanceStatus } from "@clawbox/shared";
import { WebSocketServer } from "ws";
import { sendJson, startHttp } from "./http-standin.ts";

/**
 * STAND-IN for the ClawBox Manager (deploy/manager), used by the App API tests until/besides
 * the real one: the HTTP contract of the guide's Manager API table and docs/ARCHITECTURE.md.
 * Bearer API key (exact 401 body), idempotent create, phases pending -> starting -> running
 * over `phaseMs`, delete with preservePvc, Telegram/WhatsApp/pairing/RPC answers shaped like
 * the gateway's, and the VNC WebSocket (token = API key or a VNC ticket) sending the RFB banner.
 * Every call is recorded, including the secrets a create carried, so tests can inspect them.
 */
interface Instance {
  userId: string;
  createdAt: number;
  secrets: Record<string, string>;
  /** The model a create or PUT .../model carried (key included, for tests to inspect). */
  model?: unknown;
  telegramToken?: string;
}

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export async function start(opts: { apiKey: string; phaseMs?: number; failCreate?: () => number | undefined }) {
  const phaseMs = opts.phaseMs ?? 300;
  const instances = new Map<string, Instance>();
  const preservedPvcs = new Set<string>();
  const calls: RecordedCall[] = [];

  function status(i: Instance): InstanceStatus {
    const age = Date.now() - i.createdAt;
    const phase = age < phaseMs ? "pending" : age < 2 * phaseMs ? "starting" : "running";
    const running = phase === "running";
    return {
      userId: i.userId,
      ready: running,
      phase,
      pods: [
        {
          name: `${i.userId}-openclaw-7d9f8-abcde`,
          phase: phase === "pending" ? "Pending" : "Running",
          ready: running,
          restartCount: 0,
          state: phase === "pending" ? { status: "waiting", reason: "ContainerCreating" } : { status: "running", startedAt: new Date(i.createdAt + phaseMs).toISOString() },
          conditions: { scheduled: true, initialized: phase !== "pending", containersReady: running, ready: running },
          createdAt: new Date(i.createdAt).toISOString(),
        },
      ],
      createdAt: new Date(i.createdAt).toISOString(),
      // As a local Manager started with CLAWBOX_UNSAFE_NO_SANDBOX=1 reports it.
      isolated: false,
    };
  }

  const http = await startHttp((req, body, res, url) => {
    const query = Object.fromEntries(url.searchParams);
    calls.push({ method: req.method ?? "", path: url.pathname, query, body });
    if (url.pathname === "/health") return sendJson(res, 200, { ok: true });
    const auth = req.headers.authorization ?? "";
    if (!auth.startsWith("Bearer ") || !safeEqual(auth.slice(7), opts.apiKey)) {
      return sendJson(res, 401, { error: "Missing or invalid Authorization header" });
    }
    const b = (body ?? {}) as Record<string, unknown>;
    if (url.pathname === "/api/instances") {
      if (req.method === "GET") return sendJson(res, 200, { instances: [...instances.values()].map(status) });
      if (req.method === "POST") {
        const forced = opts.failCreate?.();
        if (forced) return sendJson(res, forced, { error: `stand-in forced failure ${forced}`, code: "forced" });
        const userId = b.userId;
        if (typeof userId !== "string" || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(userId) || userId.length > 49) {
          return sendJson(res, 400, { error: "userId must be a DNS-1123 label", code: "invalid_request", field: "userId", rule: "dns1123-label" });
        }
        const existing = instances.get(userId);
        const secrets = (b.secrets ?? {}) as Record<string, string>;
        if (existing) {
          existing.secrets = secrets;
          existing.model = b.model;
          return sendJson(res, 200, { ...status(existing), created: false });
        }
        const i: Instance = { userId, createdAt: Date.now(), secrets, ...(b.model ? { model: b.model } : {}) };
        instances.set(userId, i);
        preservedPvcs.delete(userId);
        return sendJson(res, 201, { ...status(i), created: true });
      }
    }
    const m = /^\/api\/instances\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (!m) return sendJson(res, 404, { error: "Not found", code: "not_found" });
    const userId = decodeURIComponent(m[1]!);
    const sub = m[2] ?? "";
    const i = instances.get(userId);
    if (!i) return sendJson(res, 404, { error: `Instance ${userId} not found`, code: "not_found" });
    if (sub === "" && req.method === "GET") return sendJson(res, 200, status(i));
    if (sub === "" && req.method === "DELETE") {
      const preservePvc = query.preservePvc !== "false";
      instances.delete(userId);
      if (preservePvc) preservedPvcs.add(userId);
      return sendJson(res, 200, { userId, deleted: true, pvcPreserved: preservePvc });
    }
    if (sub === "/model" && (req.method === "PUT" || req.method === "DELETE")) {
      i.model = req.method === "PUT" ? b : undefined;
      return sendJson(res, 200, status(i));
    }
    const running = status(i).phase === "running";
    if (!running) return sendJson(res, 503, { error: "Instance is not running yet", code: "not_ready" });
    const route = `${req.method} ${sub}`;
    switch (route) {
      case "POST /rpc": {
        const method = String(b.method ?? "");
        if (method === "status") return sendJson(res, 200, { ok: true, payload: { runtimeVersion: "2026.9.6", sessions: { count: 0 } } });
        if (method === "health") return sendJson(res, 200, { ok: true, payload: { ok: true } });
        if (method === "channels.status") return sendJson(res, 200, { ok: true, payload: { channelOrder: [], channels: {} } });
        return sendJson(res, 502, { error: `unknown method: ${method}`, code: "INVALID_REQUEST", details: {} });
      }
      case "POST /telegram/setup":
        i.telegramToken = String(b.botToken);
        return sendJson(res, 200, { ok: true, configured: true });
      case "GET /telegram/status":
        return sendJson(res, 200, { configured: !!i.telegramToken, running: !!i.telegramToken, probe: query.probe === "true" ? { ok: false } : undefined });
      case "POST /telegram/logout":
        i.telegramToken = undefined;
        return sendJson(res, 200, { cleared: true, loggedOut: true });
      case "GET /pairing/list":
        return sendJson(res, 200, { channel: query.channel ?? "telegram", requests: [] });
      case "POST /pairing/approve":
        return sendJson(res, 404, { error: `No pending pairing request with code ${String(b.code)}`, code: "not_found" });
      case "POST /whatsapp/qr":
        return sendJson(res, 502, { error: "WhatsApp login failed: getaddrinfo ENOTFOUND web.whatsapp.com", code: "whatsapp_unreachable" });
      case "POST /whatsapp/wait":
        return sendJson(res, 200, { connected: false, message: "No QR scanned" });
      case "GET /whatsapp/status":
        return sendJson(res, 200, { configured: false, linked: false, connected: false });
    }
    sendJson(res, 404, { error: "Not found", code: "not_found" });
  });

  // VNC: the Manager's GET /api/instances/:userId/vnc?token=<API key | VNC ticket>.
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has("binary") ? "binary" : false) });
  http.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://x");
    const m = /^\/api\/instances\/([^/]+)\/vnc$/.exec(url.pathname);
    const token = url.searchParams.get("token") ?? "";
    calls.push({ method: "WS", path: url.pathname, query: Object.fromEntries(url.searchParams), body: undefined });
    const userId = m ? decodeURIComponent(m[1]!) : "";
    if (!m || !(safeEqual(token, opts.apiKey) || verifyVncTicket(opts.apiKey, token, { userId }))) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n\r\n{"error":"Missing or invalid Authorization header"}');
      return;
    }
    if (!instances.has(userId)) {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(Buffer.from("RFB 003.008\n"));
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });

  return {
    url: http.url,
    calls,
    instances,
    preservedPvcs,
    stop: async () => {
      for (const c of wss.clients) c.terminate();
      await http.stop();
    },
  };
}
