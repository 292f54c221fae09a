import { createHash, randomBytes, randomUUID } from "node:crypto";
import { Inject, Injectable } from "@nestjs/common";
import { HttpError } from "@clawbox/shared";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { ApiConfig } from "../config.ts";
import { CONFIG } from "../common/tokens.ts";
import { RefreshTokensRepository } from "./refresh-tokens.repository.ts";

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
  refreshTokenExpiresAt: string;
}

const ISSUER = "clawbox-api";
const AUDIENCE = "clawbox-app";

export const sha256Hex = (s: string) => createHash("sha256").update(s).digest("hex");

const invalidRefresh = (message: string, code: string) => new HttpError(401, message, { code });
const invalidToken = () => new HttpError(401, "Invalid access token", { code: "invalid_token" });
const sessionEnded = () => new HttpError(401, "Session ended (signed out, revoked or account deleted)", { code: "session_revoked" });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who an access token speaks for: the user and the session (refresh-token family) it belongs to. */
export interface AccessClaims {
  userId: string;
  sessionId: string;
}

/**
 * Access tokens: HS256 JWTs, 15 minutes, `sub` = user id, `sid` = session (refresh-token
 * family), `typ` = "access". Every request checks that the session is still live in the
 * database, so logout, a family revocation (reuse) and account deletion end the access tokens
 * at once, not when they expire.
 * Refresh tokens: opaque 256-bit random strings, 7 days, stored as sha256, single use,
 * rotated on every refresh; a reused token revokes its whole family (RFC 9700 §4.14.2).
 */
@Injectable()
export class TokenService {
  private readonly key: Uint8Array;

  constructor(
    @Inject(CONFIG) private readonly config: ApiConfig,
    private readonly refreshTokens: RefreshTokensRepository,
  ) {
    this.key = new TextEncoder().encode(config.jwtSecret);
  }

  private async accessToken(userId: string, familyId: string, now: number): Promise<{ token: string; exp: number }> {
    const exp = Math.floor(now / 1000) + this.config.accessTokenTtlSeconds;
    const token = await new SignJWT({ typ: "access", sid: familyId })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, exp };
  }

  private newRefresh(now: number): { refreshToken: string; tokenHash: string; expiresAt: Date } {
    const refreshToken = randomBytes(32).toString("base64url");
    return { refreshToken, tokenHash: sha256Hex(refreshToken), expiresAt: new Date(now + this.config.refreshTokenTtlSeconds * 1000) };
  }

  private async pair(userId: string, familyId: string, refresh: { refreshToken: string; expiresAt: Date }, now: number): Promise<IssuedTokens> {
    const access = await this.accessToken(userId, familyId, now);
    return {
      accessToken: access.token,
      refreshToken: refresh.refreshToken,
      accessTokenExpiresAt: new Date(access.exp * 1000).toISOString(),
      refreshTokenExpiresAt: refresh.expiresAt.toISOString(),
    };
  }

  /** A new session (sign-in): a new family. */
  async issue(userId: string, familyId: string = randomUUID()): Promise<IssuedTokens> {
    const now = Date.now();
    const refresh = this.newRefresh(now);
    await this.refreshTokens.insert({ tokenHash: refresh.tokenHash, familyId, userId, expiresAt: refresh.expiresAt });
    return this.pair(userId, familyId, refresh, now);
  }

  /**
   * The user and session of a valid access token of a live session; 401 in the one error shape
   * otherwise. `exp`, `sub` (a UUID) and `sid` are required: a token without them was not issued here.
   */
  async verifyAccess(token: string): Promise<AccessClaims> {
    let userId: string;
    let sessionId: string;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ["HS256"],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ["exp", "sub", "sid"],
      });
      if (payload.typ !== "access" || typeof payload.sub !== "string" || typeof payload.sid !== "string") throw invalidToken();
      if (!UUID.test(payload.sub) || !UUID.test(payload.sid)) throw invalidToken();
      userId = payload.sub;
      sessionId = payload.sid;
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw new HttpError(401, "Access token expired", { code: "token_expired" });
      throw invalidToken();
    }
    if (!(await this.refreshTokens.isSessionLive(sessionId, userId, new Date()))) throw sessionEnded();
    return { userId, sessionId };
  }

  /** Exchanges a refresh token for a new pair in the same family (RefreshTokensRepository.rotate). */
  async rotate(refreshToken: string): Promise<{ userId: string; tokens: IssuedTokens }> {
    const nowMs = Date.now();
    let next: ReturnType<TokenService["newRefresh"]> | undefined;
    const result = await this.refreshTokens.rotate(sha256Hex(refreshToken), new Date(nowMs), () => {
      next = this.newRefresh(nowMs);
      return { tokenHash: next.tokenHash, expiresAt: next.expiresAt };
    });
    switch (result.outcome) {
      case "rotated":
        return { userId: result.row.userId, tokens: await this.pair(result.row.userId, result.row.familyId, next!, nowMs) };
      case "revoked":
        throw invalidRefresh("Refresh token revoked", "refresh_token_revoked");
      case "expired":
        throw invalidRefresh("Refresh token expired", "refresh_token_expired");
      case "reused":
        throw invalidRefresh("Refresh token already used; all sessions of this sign-in were revoked", "refresh_token_reused");
      default:
        throw invalidRefresh("Invalid refresh token", "invalid_refresh_token");
    }
  }

  /** Logout: revokes the family of this refresh token (all tokens of that sign-in). */
  async revoke(refreshToken: string, userId: string): Promise<void> {
    const row = await this.refreshTokens.findByHash(sha256Hex(refreshToken));
    if (!row || row.userId !== userId) throw invalidRefresh("Invalid refresh token", "invalid_refresh_token");
    await this.refreshTokens.revokeFamily(row.familyId, new Date());
  }
}
