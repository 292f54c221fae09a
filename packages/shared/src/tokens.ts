import { createHmac } from "node:crypto";

/**
 * Per-instance tokens are derived, never random, so creating an instance needs no read of the
 * existing Secret and a repeated create writes the same values (ARCHITECTURE.md, "An instance"):
 *   HMAC-SHA256(tokenSecret, "<purpose>:<userId>") as base64url.
 * `gateway` -> OPENCLAW_GATEWAY_TOKEN (the gateway's --auth token), `agent` -> CLAWBOX_AGENT_TOKEN
 * (the pod agent's bearer token). Both runtimes (kubernetes, local) use this one function.
 */
export type InstanceTokenPurpose = "gateway" | "agent";

export function deriveInstanceToken(tokenSecret: string, purpose: InstanceTokenPurpose, userId: string): string {
  if (!tokenSecret) throw new Error("deriveInstanceToken: tokenSecret must not be empty");
  return createHmac("sha256", tokenSecret).update(`${purpose}:${userId}`).digest("base64url");
}
