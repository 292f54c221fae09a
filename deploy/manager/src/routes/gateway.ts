import type { FastifyInstance } from "fastify";
import { TicketLedger } from "@clawbox/shared";
import {
  type PairingApprove,
  type PairingListQuery,
  PairingListQuerySchema,
  type RpcCall,
  type TelegramSetup,
  type TelegramStatusQuery,
  TelegramStatusQuerySchema,
  type WhatsappQr,
  type WhatsappWait,
} from "@clawbox/shared/contract/index";
import type { ManagerContext } from "../context.ts";
import { AgentPool } from "../gateway/agent-pool.ts";
import { InstanceGateway } from "../gateway/instance-gateway.ts";
import { pairingApprove, pairingList } from "./pairing.ts";
import { registerChatRoutes } from "./chat.ts";
import { rpcCall } from "./gateway-proxy.ts";
import { telegramLogout, telegramSetup, telegramStatus } from "./telegram.ts";
import { checkVncRequest, pipeVnc } from "./vnc-proxy.ts";
import { whatsappQr, whatsappStatus, whatsappWait } from "./whatsapp.ts";

/** A route of one instance: `:userId` (checked by its schema, route-docs.ts) plus the route's own parts. */
type UserRoute<T extends { Body?: unknown; Querystring?: unknown } = object> = { Params: { userId: string } } & T;

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

  // Every route's input and answer is a contract schema (@clawbox/shared/contract): Fastify
  // validates and serializes with it and /openapi.json documents it. The :userId rule and the
  // error answers are added to every route by route-docs.ts.
  const base = "/api/instances/:userId";
  const schema = (summary: string, extra: Record<string, unknown> = {}) => ({ tags: ["gateway"], summary, ...extra });
  const ok = (ref: string) => ({ response: { 200: { $ref: `${ref}#` } } });

  app.post<UserRoute<{ Body: RpcCall }>>(
    `${base}/rpc`,
    { schema: schema("Any gateway RPC: {method, params?, timeoutMs?} -> the gateway's payload", { body: { $ref: "RpcCall#" } }) },
    async (req) => rpcCall(gw, req.params.userId, req.body),
  );

  registerChatRoutes(app, gw, pool);

  app.post<UserRoute<{ Body: WhatsappQr }>>(
    `${base}/whatsapp/qr`,
    {
      schema: schema("WhatsApp QR: {force?, timeoutMs?} -> {qrDataUrl, message}; the first one loads the WhatsApp plugin (a gateway reload)", {
        body: { $ref: "WhatsappQr#" },
        ...ok("WhatsappQrResult"),
      }),
    },
    // The plugin's load gets the allowance of a wake: both are a gateway start.
    async (req) => whatsappQr(gw, req.params.userId, req.body ?? {}, ctx.config.sleep.wakeTimeoutMs),
  );
  app.post<UserRoute<{ Body: WhatsappWait }>>(
    `${base}/whatsapp/wait`,
    { schema: schema("Wait for the QR scan: {timeoutMs?} -> {connected, message}", { body: { $ref: "WhatsappWait#" }, ...ok("WhatsappWaitResult") }) },
    async (req) => whatsappWait(gw, req.params.userId, req.body ?? {}),
  );
  app.get<UserRoute>(`${base}/whatsapp/status`, { schema: schema("WhatsApp channel status", ok("ChannelStatus")) }, async (req) => whatsappStatus(gw, req.params.userId));

  app.post<UserRoute<{ Body: TelegramSetup }>>(
    `${base}/telegram/setup`,
    { schema: schema("Set the Telegram bot token: {botToken}", { body: { $ref: "TelegramSetup#" }, ...ok("TelegramSetupResult") }) },
    async (req) => telegramSetup(gw, req.params.userId, req.body),
  );
  app.get<UserRoute<{ Querystring: TelegramStatusQuery }>>(
    `${base}/telegram/status`,
    { schema: schema("Telegram channel status [?probe=true]", { querystring: TelegramStatusQuerySchema, ...ok("ChannelStatus") }) },
    async (req) => telegramStatus(gw, req.params.userId, req.query),
  );
  app.post<UserRoute>(`${base}/telegram/logout`, { schema: schema("Remove the Telegram bot token", ok("TelegramLogoutResult")) }, async (req) => telegramLogout(gw, req.params.userId));

  app.get<UserRoute<{ Querystring: PairingListQuery }>>(
    `${base}/pairing/list`,
    { schema: schema("Pending DM pairing requests [?channel=telegram|whatsapp]", { querystring: PairingListQuerySchema, ...ok("PairingList") }) },
    async (req) => pairingList(gw, req.params.userId, req.query),
  );
  app.post<UserRoute<{ Body: PairingApprove }>>(
    `${base}/pairing/approve`,
    { schema: schema("Approve a pairing request: {channel, code, notify?, accountId?}", { body: { $ref: "PairingApprove#" }, ...ok("PairingApproveResult") }) },
    async (req) => pairingApprove(gw, req.params.userId, req.body),
  );

  app.get<UserRoute>(
    `${base}/screenshot`,
    {
      schema: schema("PNG screenshot of the instance's live browser tab", {
        response: { 200: { description: "image/png", content: { "image/png": { schema: { type: "string", format: "binary" } } } } },
      }),
    },
    async (req, reply) => {
      const png = await gw.screenshot(req.params.userId);
      return reply.type("image/png").header("cache-control", "no-store").send(png);
    },
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
    (socket, req) => {
      pipeVnc(socket, (req as unknown as { vncUrl: string }).vncUrl, req.log);
      // The viewer wants to see the browser: start it if no tool has yet (the screen is black
      // until then). The view stays useful if this fails, so it is only logged.
      gw.startBrowser(req.params.userId).catch((e: Error) => req.log.warn({ userId: req.params.userId, err: e.message }, "live view: browser start failed"));
    },
  );
}

declare module "fastify" {
  interface FastifyInstance {
    agentPool: AgentPool;
  }
}
