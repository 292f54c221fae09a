import { createHash } from "node:crypto";
import { Inject, Injectable } from "@nestjs/common";
import { HttpError } from "@clawbox/shared";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import type { ApiConfig } from "../config.ts";
import { CONFIG } from "../common/tokens.ts";

export interface SocialIdentity {
  provider: "google" | "apple";
  sub: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

const GOOGLE_ISSUERS = ["accounts.google.com", "https://accounts.google.com"];
const APPLE_ISSUER = "https://appleid.apple.com";

const refused = (provider: string, why: string) =>
  new HttpError(401, `${provider} ID token refused: ${why}`, { code: "invalid_id_token" });

function why(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return "expired";
  if (e instanceof joseErrors.JWTClaimValidationFailed) return `claim ${e.claim} is not valid`;
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return "bad signature";
  if (e instanceof joseErrors.JWKSNoMatchingKey) return "signed by an unknown key";
  if (e instanceof joseErrors.JWKSTimeout || (e as { code?: string })?.code === "ERR_JWKS_TIMEOUT") return "key set unreachable";
  return "malformed or unverifiable";
}

const asBool = (v: unknown) => v === true || v === "true";

/**
 * Verifies Google and Apple ID tokens: signature against the provider's JWKS (cached by jose),
 * issuer, audience (our client id), expiry, and for Apple the nonce: the app sends the raw
 * nonce, the token carries its sha256 in hex.
 */
@Injectable()
export class IdTokenVerifier {
  private readonly googleJwks;
  private readonly appleJwks;

  constructor(@Inject(CONFIG) private readonly config: ApiConfig) {
    this.googleJwks = createRemoteJWKSet(new URL(config.googleJwksUrl), { timeoutDuration: 5000 });
    this.appleJwks = createRemoteJWKSet(new URL(config.appleJwksUrl), { timeoutDuration: 5000 });
  }

  async verifyGoogle(idToken: string): Promise<SocialIdentity> {
    const clientId = this.config.googleClientId;
    if (!clientId) throw new HttpError(503, "Google sign-in is not configured (GOOGLE_CLIENT_ID)", { code: "provider_not_configured" });
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, this.googleJwks, {
        issuer: GOOGLE_ISSUERS,
        audience: clientId,
        algorithms: ["RS256", "ES256"],
        requiredClaims: ["sub", "exp", "iat"],
      }));
    } catch (e) {
      throw refused("Google", why(e));
    }
    return {
      provider: "google",
      sub: payload.sub!,
      email: typeof payload.email === "string" ? payload.email.toLowerCase() : null,
      emailVerified: asBool(payload.email_verified),
      name: typeof payload.name === "string" ? payload.name : null,
    };
  }

  async verifyApple(idToken: string, rawNonce: string): Promise<SocialIdentity> {
    const clientId = this.config.appleClientId;
    if (!clientId) throw new HttpError(503, "Apple sign-in is not configured (APPLE_CLIENT_ID)", { code: "provider_not_configured" });
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, this.appleJwks, {
        issuer: APPLE_ISSUER,
        audience: clientId,
        algorithms: ["RS256", "ES256"],
        requiredClaims: ["sub", "exp", "iat"],
      }));
    } catch (e) {
      throw refused("Apple", why(e));
    }
    const expected = createHash("sha256").update(rawNonce).digest("hex");
    if (payload.nonce !== expected) throw refused("Apple", "nonce does not match");
    return {
      provider: "apple",
      sub: payload.sub!,
      email: typeof payload.email === "string" ? payload.email.toLowerCase() : null,
      emailVerified: asBool(payload.email_verified),
      name: null,
    };
  }
}
