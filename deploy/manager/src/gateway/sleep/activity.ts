/**
 * Traffic through the Manager per instance: every authorized request under
 * /api/instances/:userId/... (RPC, chat, VNC, channels, pairing, screenshot) counts, in this
 * ONE hook, for as long as each request is open (a chat stream, a VNC session); the status read (GET /api/instances/:userId) and the sleep routes themselves do not,
 * so polling a dashboard or putting it to sleep never keeps an assistant awake.
 */
import type { FastifyInstance } from "fastify";

const NOT_ACTIVITY = new Set(["/api/instances/:userId/sleep", "/api/instances/:userId/sleep-policy"]);
const INSTANCE_SUBROUTE = /^\/api\/instances\/:userId\/./;

export class ActivityLog {
  private readonly last = new Map<string, number>();
  /** Requests still open per instance (a chat stream, a VNC session): active the whole time. */
  private readonly open = new Map<string, number>();

  touch(userId: string, at = Date.now()): void {
    if (at > (this.last.get(userId) ?? 0)) this.last.set(userId, at);
  }

  /** The last activity: now while a request for it is still open. */
  lastAt(userId: string, now = Date.now()): number | undefined {
    return (this.open.get(userId) ?? 0) > 0 ? Math.max(now, this.last.get(userId) ?? 0) : this.last.get(userId);
  }

  /** Counts a request as open until `done` is called (once); its end counts as activity too. */
  begin(userId: string): () => void {
    this.touch(userId);
    this.open.set(userId, (this.open.get(userId) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const n = (this.open.get(userId) ?? 1) - 1;
      if (n > 0) this.open.set(userId, n);
      else this.open.delete(userId);
      this.touch(userId);
    };
  }

  forget(userId: string): void {
    this.last.delete(userId);
  }
}

export function registerActivityHook(app: FastifyInstance, log: ActivityLog): void {
  // preHandler: after authentication (the VNC ticket is checked in preValidation), so only
  // requests the Manager accepted count.
  app.addHook("preHandler", async (req, reply) => {
    const route = req.routeOptions.url;
    if (!route || !INSTANCE_SUBROUTE.test(route) || NOT_ACTIVITY.has(route)) return;
    const userId = (req.params as { userId?: unknown }).userId;
    if (typeof userId !== "string") return;
    const done = log.begin(userId);
    // A WebSocket (VNC) owns its connection: it ends when the socket closes. Any other request
    // ends with its response (also a hijacked one, the chat stream), not with a keep-alive socket.
    (req.headers.upgrade ? req.raw.socket : reply.raw).once("close", done);
  });
}
