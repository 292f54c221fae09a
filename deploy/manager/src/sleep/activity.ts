/**
 * Traffic through the Manager per instance: every authorized request under
 * /api/instances/:userId/... (RPC, chat, VNC, channels, pairing, screenshot) counts, in this
 * ONE hook; the status read (GET /api/instances/:userId) and the sleep routes themselves do not,
 * so polling a dashboard or putting it to sleep never keeps an assistant awake.
 */
import type { FastifyInstance } from "fastify";

const NOT_ACTIVITY = new Set(["/api/instances/:userId/sleep", "/api/instances/:userId/sleep-policy"]);
const INSTANCE_SUBROUTE = /^\/api\/instances\/:userId\/./;

export class ActivityLog {
  private readonly last = new Map<string, number>();

  touch(userId: string, at = Date.now()): void {
    if (at > (this.last.get(userId) ?? 0)) this.last.set(userId, at);
  }

  lastAt(userId: string): number | undefined {
    return this.last.get(userId);
  }

  forget(userId: string): void {
    this.last.delete(userId);
  }
}

export function registerActivityHook(app: FastifyInstance, log: ActivityLog): void {
  // preHandler: after authentication (the VNC ticket is checked in preValidation), so only
  // requests the Manager accepted count.
  app.addHook("preHandler", async (req) => {
    const route = req.routeOptions.url;
    if (!route || !INSTANCE_SUBROUTE.test(route) || NOT_ACTIVITY.has(route)) return;
    const userId = (req.params as { userId?: unknown }).userId;
    if (typeof userId === "string") log.touch(userId);
  });
}
