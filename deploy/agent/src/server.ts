import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { GatewayClient, GatewayError } from "@clawbox/shared/gateway/index";
import { ActivityTracker } from "./activity.ts";
import { wakeSources } from "./wake-sources.ts";
import { EventHub } from "./event-hub.ts";
import { isAuthorized } from "./auth.ts";
import { ensureBrowser } from "./browser.ts";
import type { AgentConfig } from "./config.ts";
import { readJson, sendJson } from "./http-util.ts";
import { PROBE_PATHS, relayProbe } from "./probes.ts";
import { relayCall, serveRpcSocket } from "./rpc-socket.ts";
import { takeScreenshot } from "./screenshot.ts";

const UNAUTHORIZED = { error: "Missing or invalid Authorization header" };

/**
 * The pod agent: node:http + ws only (no framework) to stay well under 60 MB RSS.
 * One persistent gateway connection, shared by every Manager socket and HTTP call.
 */
export function createAgentServer(config: AgentConfig): { server: Server; gateway: GatewayClient; activity: ActivityTracker } {
  const activity = new ActivityTracker();
  const events = new EventHub();
  const gateway = new GatewayClient({
    url: config.gatewayUrl,
    token: config.gatewayToken,
    requestTimeoutMs: config.rpcTimeoutMs,
    onEvent: (ev) => {
      activity.onGatewayEvent(ev.event);
      events.publish(ev);
    },
  });
  const httpBase = new URL(config.gatewayUrl.replace(/^ws/, "http"));
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 32 * 1024 * 1024 });

  const server = createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    try {
      if (req.method === "GET" && path === "/healthz") return sendJson(res, 200, { ok: true });
      const probe = PROBE_PATHS[path];
      if (req.method === "GET" && probe) {
        const r = await relayProbe(httpBase, probe);
        res.writeHead(r.status, { "content-type": r.type, "content-length": r.body.length });
        return res.end(r.body);
      }
      if (!isAuthorized(req, config.agentToken)) return sendJson(res, 401, UNAUTHORIZED);
      if (req.method === "POST" && path === "/rpc") {
        const body = await readJson(req);
        if (!body) return sendJson(res, 400, { ok: false, error: { code: "INVALID_REQUEST", message: "body must be a JSON object" } });
        return sendJson(res, 200, await relayCall(gateway, activity, body, config));
      }
      if (req.method === "GET" && path === "/screenshot") {
        activity.touch();
        const png = await takeScreenshot(gateway, config.stateDir);
        res.writeHead(200, { "content-type": "image/png", "content-length": png.length, "cache-control": "no-store" });
        return res.end(png);
      }
      if (req.method === "POST" && path === "/browser/start") {
        // Opening the live view is the user's activity too: they are watching the browser.
        activity.touch();
        await ensureBrowser(gateway);
        return sendJson(res, 200, { running: true });
      }
      if (req.method === "GET" && path === "/activity") return sendJson(res, 200, { lastActivityAt: activity.lastActivityAt });
      if (req.method === "GET" && path === "/wake-sources") return sendJson(res, 200, await wakeSources(config.stateDir));
      return sendJson(res, 404, { error: `no route ${req.method} ${path}`, code: "not_found" });
    } catch (e) {
      const err = e instanceof GatewayError ? e : GatewayError.unavailable((e as Error).message);
      if (!res.headersSent) sendJson(res, err.status, { error: err.message, code: err.code, details: err.details });
      else res.destroy();
    }
  });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/rpc") return refuse(socket, 404, "Not Found");
    if (!isAuthorized(req, config.agentToken)) return refuse(socket, 401, "Unauthorized");
    wss.handleUpgrade(req, socket, head, (ws) => serveRpcSocket(ws, gateway, activity, config, events));
  });
  server.on("close", () => {
    gateway.close();
    wss.close();
  });
  return { server, gateway, activity };
}

function refuse(socket: Duplex, status: number, text: string) {
  const body = JSON.stringify(status === 401 ? UNAUTHORIZED : { error: text });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
