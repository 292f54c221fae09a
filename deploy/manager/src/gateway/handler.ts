import type { FastifyReply, FastifyRequest } from "fastify";
import { HttpError } from "@clawbox/shared";
import { toHttpError } from "../services/gateway-rpc.ts";

/** Wraps a route so every failure leaves in the one error shape (independent of the global handler). */
export function handle<Req extends FastifyRequest>(fn: (req: Req, reply: FastifyReply) => Promise<unknown>) {
  return async (req: Req, reply: FastifyReply) => {
    try {
      const out = await fn(req, reply);
      if (!reply.sent && out !== undefined) return reply.send(out);
      return reply;
    } catch (e) {
      const err = e instanceof HttpError ? e : toHttpError(e);
      if (err.status >= 500) req.log.warn({ status: err.status, code: err.code, msg: err.message }, "gateway route failed");
      return reply.code(err.status).send(err.toBody());
    }
  };
}

export type UserReq = FastifyRequest<{ Params: { userId: string }; Body: unknown; Querystring: Record<string, string | undefined> }>;
