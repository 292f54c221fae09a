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

/**
 * Access tokens: HS256 JWTs, 15 minutes, `sub` = user id, `typ` = "access".
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

  async issue(userId: string, familyId: string = randomUUID()): Promise<IssuedTokens> {
    const now = Date.now();
    const accessExp = Math.floor(now / 1000) + this.config.accessTokenTtlSeconds;
    const accessToken = await new SignJWT({ typ: "access" })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(accessExp)
      .sign(this.key);
    const refreshToken = randomBytes(32).toString("base64url");
    const refreshExpiresAt = new Date(now + this.config.refreshTokenTtlSeconds * 1000);
    await this.refreshTokens.insert({ tokenHash: sha256Hex(refreshToken), familyId, userId, expiresAt: refreshExpiresAt });
    return {
      accessToken,
      refreshToken,
      accessTokenExpiresAt: new Date(accessExp * 1000).toISOString(),
      refreshTokenExpiresAt: refreshExpiresAt.toISOString(),
    };
  }

  /** Returns the user id of a valid access token; throws 401 in the one error shape otherwise. */
  async verifyAccess(token: string): Promise<string> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE });
      if (payload.typ !== "access" || typeof payload.sub !== "string") throw new Error("not an access token");
      return payload.sub;
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw new HttpError(401, "Access token expired", { code: "token_expired" });
      throw new HttpError(401, "Invalid access token", { code: "invalid_token" });
    }
  }

  /** Exchanges a refresh token for a new pair in the same family. */
  async rotate(refreshToken: string): Promise<{ userId: string; tokens: IssuedTokens }> {
    const row = await this.refreshTokens.findByHash(sha256Hex(refreshToken));
    if (!row) throw invalidRefresh("Invalid refresh token", "invalid_refresh_token");
    const now = new Date();
    if (row.revokedAt) throw invalidRefresh("Refresh token revoked", "refresh_token_revoked");
    if (row.usedAt || !(await this.refreshTokens.markUsed(row.id, now))) {
      await this.refreshTokens.revokeFamily(row.familyId, now);
      throw invalidRefresh("Refresh token already used; all sessions of this sign-in were revoked", "refresh_token_reused");
    }
    if (row.expiresAt.getTime() <= now.getTime()) throw invalidRefresh("Refresh token expired", "refresh_token_expired");
    return { userId: row.userId, tokens: await this.issue(row.userId, row.familyId) };
  }

  /** Logout: revokes the family of this refresh token (all tokens of that sign-in). */
  async revoke(refreshToken: string, userId: string): Promise<void> {
    const row = await this.refreshTokens.findByHash(sha256Hex(refreshToken));
    if (!row || row.userId !== userId) throw invalidRefresh("Invalid refresh token", "invalid_refresh_token");
    await this.refreshTokens.revokeFamily(row.familyId, new Date());
  }
}
