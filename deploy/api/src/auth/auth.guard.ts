import { Injectable, type CanActivate, type ExecutionContext } from "@nestjs/common";
import { unauthorized } from "@clawbox/shared";
import type { FastifyRequest } from "fastify";
import type { AuthUser } from "../common/current-user.ts";
import { TokenService } from "./token.service.ts";

/** `Authorization: Bearer <access JWT>` of a live session (checked in the database) on every route that uses it. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly tokens: TokenService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    const header = req.headers.authorization;
    const m = typeof header === "string" ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) throw unauthorized();
    const claims = await this.tokens.verifyAccess(m[1]!);
    req.user = { id: claims.userId, sessionId: claims.sessionId };
    return true;
  }
}
