import { createParamDecorator, type ExecutionContext } from "@nestjs/common";

export interface AuthUser {
  id: string;
  /** The session (refresh-token family) of the access token. */
  sessionId: string;
}

/** The signed-in user, set on the request by AuthGuard. */
export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthUser => {
  return (ctx.switchToHttp().getRequest() as { user: AuthUser }).user;
});
