import { createHash, randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import { sendJson, startHttp } from "./http-standin.ts";

/**
 * STAND-IN for Google's and Apple's ID-token issuers (not reachable from here): serves a real
 * JWKS at /jwks and signs ID tokens with the matching private key, like accounts.google.com
 * and appleid.apple.com. Google flavour signs RS256, Apple flavour ES256 by default, so both
 * algorithms are exercised. `foreign` signs with a key that is NOT in the JWKS (bad signature).
 */
export type Flavor = "google" | "apple";

export const ISSUERS: Record<Flavor, string> = {
  google: "https://accounts.google.com",
  apple: "https://appleid.apple.com",
};

export interface IdTokenOptions {
  sub?: string;
  audience?: string;
  issuer?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  /** Apple: the raw nonce; the token carries sha256(nonce) hex. */
  nonce?: string;
  /** Raw claim value for nonce (to test a mismatch). */
  nonceClaim?: string;
  foreign?: boolean;
  extra?: JWTPayload;
}

export async function start(opts: { flavor: Flavor; clientId: string; alg?: "RS256" | "ES256" }) {
  const alg = opts.alg ?? (opts.flavor === "google" ? "RS256" : "ES256");
  const kid = randomUUID();
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const foreign = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  let jwksRequests = 0;

  const http = await startHttp((req, _body, res, url) => {
    if (req.method === "GET" && url.pathname === "/jwks") {
      jwksRequests++;
      return sendJson(res, 200, { keys: [jwk] });
    }
    sendJson(res, 404, { error: "not found" });
  });

  async function sign(o: IdTokenOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: JWTPayload = { ...(o.extra ?? {}) };
    if (o.email !== undefined) claims.email = o.email;
    if (o.emailVerified !== undefined) claims.email_verified = opts.flavor === "apple" ? String(o.emailVerified) : o.emailVerified;
    if (o.name !== undefined) claims.name = o.name;
    if (o.nonceClaim !== undefined) claims.nonce = o.nonceClaim;
    else if (o.nonce !== undefined) claims.nonce = createHash("sha256").update(o.nonce).digest("hex");
    return new SignJWT(claims)
      .setProtectedHeader({ alg, kid, typ: "JWT" })
      .setIssuer(o.issuer ?? ISSUERS[opts.flavor])
      .setAudience(o.audience ?? opts.clientId)
      .setSubject(o.sub ?? `${opts.flavor}-${randomUUID()}`)
      .setIssuedAt(now - 5)
      .setExpirationTime(now + (o.expiresIn ?? 3600))
      .sign(o.foreign ? foreign.privateKey : privateKey);
  }

  return {
    url: http.url,
    jwksUrl: `${http.url}/jwks`,
    issuer: ISSUERS[opts.flavor],
    clientId: opts.clientId,
    sign,
    jwksRequests: () => jwksRequests,
    stop: http.stop,
  };
}
