import type { FastifyInstance } from "fastify";
import { assertUserId, TicketLedger } from "@clawbox/shared";
import type { ManagerContext } from "../context.ts";
import { AgentPool } from "./agent-pool.ts";
import { handle, type UserReq } from "./handler.ts";
import { InstanceGateway } from "../services/gateway-rpc.ts";
import { pairingApprove, pairingList } from "../routes/pairing.ts";
import { registerChatRoutes } from "../routes/chat.ts";
import { rpcCall } from "../routes/gateway-proxy.ts";
import { telegramLogout, telegramSetup, telegramStatus } from "../routes/telegram.ts";
import { checkVncRequest, pipeVnc } from "../routes/vnc-proxy.ts";
import { whatsappQr, whatsappStatus, whatsappWait } from "../routes/whatsapp.ts";
import { errorResponses, userIdParams } from "../schemas.ts";

/**
 * The Manager routes that talk to a user's gateway (through its pod agent, one persistent
 * socket per instance) and the VNC WebSocket proxy. Shapes: deploy/manager/DEPLOY.md.
 */
export async function registerGatewayRoutes(app: FastifyInstance, ctx: ManagerContext): Promise<void> {
  const pool = new AgentPool();
  const gw = new InstanceGateway(ctx, pool);
  app.decorate("agentPool", pool);
  app.addHook("onClose", async () => pool.closeAll());
  // An instance's socket goes away with the instance (the DELETE route is in routes/instances.ts).
  app.addHook("onResponse", async (req) => {
    if (req.method === "DELETE" && req.routeOptions.url === "/api/instances/:userId") {
      pool.evict((req.params as { userId: string }).userId);
    }
  });

  const base = "/api/instances/:userId";
  const schema = (summary: string, extra: Record<string, unknown> = {}) => ({
    tags: ["gateway"],
    summary,
    security: [{ bearerAuth: [] }],
    params: userIdParams,
    response: errorResponses,
    ...extra,
  });
  const pairingQuery = {
    querystring: {
      type: "object",
      properties: {
        channel: { type: "string", description: "Optional: telegram, whatsapp, ... (none: every channel)" },
        accountId: { type: "string", description: "Optional: 1-64 characters of A-Z a-z 0-9 . _ -" },
      },
    },
  };
  const user = (req: UserReq) => {
    assertUserId(req.params.userId);
    return req.params.userId;
  };

  app.post(`${base}/rpc`, { schema: schema("Any gateway RPC: {method, params?, timeoutMs?}") }, handle(async (req: UserReq) => rpcCall(gw, user(req), req.body)));

  registerChatRoutes(app, gw, pool);

  app.post(`${base}/whatsapp/qr`, { schema: schema("WhatsApp QR: {force?} -> {qrDataUrl, message}") }, handle(async (req: UserReq) => whatsappQr(gw, user(req), req.body)));
  app.post(`${base}/whatsapp/wait`, { schema: schema("Wait for the QR scan: {timeoutMs?} -> {connected, message}") }, handle(async (req: UserReq) => whatsappWait(gw, user(req), req.body)));
  app.get(`${base}/whatsapp/status`, { schema: schema("WhatsApp channel status") }, handle(async (req: UserReq) => whatsappStatus(gw, user(req))));

  app.post(`${base}/telegram/setup`, { schema: schema("Set the Telegram bot token: {botToken}") }, handle(async (req: UserReq) => telegramSetup(gw, user(req), req.body)));
  app.get(`${base}/telegram/status`, { schema: schema("Telegram channel status [?probe=true]") }, handle(async (req: UserReq) => telegramStatus(gw, user(req), req.query)));
  app.post(`${base}/telegram/logout`, { schema: schema("Remove the Telegram bot token") }, handle(async (req: UserReq) => telegramLogout(gw, user(req))));

  app.get(
    `${base}/pairing/list`,
    { schema: schema("Pending DM pairing requests [?channel=telegram|whatsapp]", { ...pairingQuery, response: { 200: { $ref: "PairingList#" }, ...errorResponses } }) },
    handle(async (req: UserReq) => pairingList(gw, user(req), req.query)),
  );
  app.post(`${base}/pairing/approve`, { schema: schema("Approve a pairing request: {channel, code, notify?}") }, handle(async (req: UserReq) => pairingApprove(gw, user(req), req.body)));

  app.get(
    `${base}/screenshot`,
    { schema: schema("PNG screenshot of the instance's live browser tab") },
    handle(async (req: UserReq, reply) => {
      const png = await gw.screenshot(user(req));
      return reply.type("image/png").header("cache-control", "no-store").send(png);
    }),
  );

  const tickets = new TicketLedger();
  app.get<{ Params: { userId: string }; Querystring: { token?: unknown } }>(
    `${base}/vnc`,
    {
      websocket: true,
      config: { public: true }, // authenticated by ?token= below (API key or VNC ticket)
      schema: { tags: ["gateway"], summary: "VNC WebSocket (noVNC/websockify) ?token=<API key or VNC ticket>", hide: true },
      preValidation: async (req) => {
        (req as unknown as { vncUrl: string }).vncUrl = await checkVncRequest(req, ctx.config.apiKey, ctx.runtime, tickets, ctx.sleep && ((u) => ctx.sleep!.ensureAwake(u)));
      },
    },
    (socket, req) => pipeVnc(socket, (req as unknown as { vncUrl: string }).vncUrl, req.log),
  );
}

declare module "fastify" {
  interface FastifyInstance {
    agentPool: AgentPool;
  }
}
