import type { PairingRequest } from "../api/models.ts";

/** Who asked to pair, for the owner to recognise: the display name when known, else the gateway's label. */
export function pairingSender(r: PairingRequest): string | null {
  return r.senderName?.trim() || r.senderLabel?.trim() || null;
}
