// Placeholder created by the Manager core (issue #3) so the server builds. This file belongs to G
// (gateway RPC, WhatsApp, Telegram, pairing, VNC routes), who replaces it.
import type { FastifyInstance } from "fastify";
import type { ManagerContext } from "../context.ts";

export async function registerGatewayRoutes(_app: FastifyInstance, _ctx: ManagerContext): Promise<void> {}
