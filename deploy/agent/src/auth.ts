import type { IncomingMessage } from "node:http";
import { safeEqual } from "@clawbox/shared/vnc-ticket";

/** Bearer check in constant time (safeEqual compares HMACs, so lengths leak nothing either). */
export function isAuthorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? "";
  const m = /^Bearer (.+)$/.exec(header);
  return m !== null && safeEqual(m[1]!, token);
}
