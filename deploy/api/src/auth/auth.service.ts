import { Inject, Injectable } from "@nestjs/common";
import { HttpError, type Logger } from "@clawbox/shared";
import type { UserRow } from "../db/schema.ts";
import { ApiMetrics } from "../common/metrics.ts";
import { LOGGER } from "../common/tokens.ts";
import { UsersRepository } from "../users/users.repository.ts";
import type { AuthSession, User } from "@clawbox/shared";
import { IdTokenVerifier, type SocialIdentity } from "./id-token.verifier.ts";
import { LoginThrottle } from "./login-throttle.ts";
import { decoyHash, hashPassword, verifyPassword } from "./password.ts";
import { TokenService } from "./token.service.ts";

export const userView = (u: UserRow): User => ({ id: u.id, email: u.email, name: u.name });

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: TokenService,
    private readonly idTokens: IdTokenVerifier,
    private readonly metrics: ApiMetrics,
    private readonly throttle: LoginThrottle,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private async session(user: UserRow): Promise<AuthSession> {
    return { user: userView(user), ...(await this.tokens.issue(user.id)) };
  }

  async signup(email: string, password: string, name?: string): Promise<AuthSession> {
    const user = await this.users.insertWithPassword(email, await hashPassword(password), name ?? null);
    if (!user) {
      this.metrics.authEvents.inc({ event: "signup", outcome: "email_taken" });
      throw new HttpError(409, "Email already registered", { code: "email_taken", field: "email", rule: "unique" });
    }
    this.metrics.authEvents.inc({ event: "signup", outcome: "ok" });
    this.logger.info({ userId: user.id }, "user signed up");
    return this.session(user);
  }

  async login(email: string, password: string): Promise<AuthSession> {
    // Unknown emails are throttled the same way, so the limit does not reveal which exist.
    this.throttle.assertAllowed(email);
    const user = await this.users.findByEmail(email);
    // Unknown email and social-only accounts still pay one hash, so timing does not reveal them.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
    if (!user || !user.passwordHash || !ok) {
      this.throttle.failed(email);
      this.metrics.authEvents.inc({ event: "login", outcome: "refused" });
      throw new HttpError(401, "Invalid email or password", { code: "invalid_credentials" });
    }
    this.throttle.succeeded(email);
    this.metrics.authEvents.inc({ event: "login", outcome: "ok" });
    return this.session(user);
  }

  async google(idToken: string): Promise<AuthSession> {
    return this.social(await this.idTokens.verifyGoogle(idToken));
  }

  async apple(idToken: string, nonce: string, name?: string): Promise<AuthSession> {
    const identity = await this.idTokens.verifyApple(idToken, nonce);
    return this.social({ ...identity, name: name ?? null });
  }

  /**
   * Finds the account of this Google/Apple subject; else links it to the account with the same
   * provider-verified email; else creates one.
   */
  private async social(identity: SocialIdentity): Promise<AuthSession> {
    const { provider, sub } = identity;
    let user = await this.users.findBySocial(provider, sub);
    if (!user && identity.email && identity.emailVerified) {
      const byEmail = await this.users.findByEmail(identity.email);
      const linkedElsewhere = provider === "google" ? byEmail?.googleSub : byEmail?.appleSub;
      if (byEmail && !linkedElsewhere) user = await this.users.linkSocial(byEmail.id, provider, sub);
    }
    if (!user) {
      const email = identity.email && identity.emailVerified && !(await this.users.findByEmail(identity.email)) ? identity.email : null;
      user = (await this.users.insertSocial(provider, sub, email, identity.name)) ?? (await this.users.findBySocial(provider, sub));
      if (!user) throw new HttpError(409, "Could not create the account, try again", { code: "conflict" });
      this.logger.info({ userId: user.id, provider }, "user signed up");
    }
    this.metrics.authEvents.inc({ event: provider, outcome: "ok" });
    return this.session(user);
  }

  async refresh(refreshToken: string): Promise<AuthSession> {
    const { userId, tokens } = await this.tokens.rotate(refreshToken);
    const user = await this.users.findById(userId);
    if (!user) throw new HttpError(401, "Account no longer exists", { code: "invalid_refresh_token" });
    return { user: userView(user), ...tokens };
  }

  async logout(userId: string, refreshToken: string): Promise<void> {
    await this.tokens.revoke(refreshToken, userId);
  }
}
