import { createHash } from "node:crypto";

/**
 * The Manager's userId for an App API account: `u-<first 12 hex of sha256(ownerId)>`
 * (docs/ARCHITECTURE.md "Manager <-> App API"). Derived, never supplied by the user, and a
 * valid DNS-1123 label well under the 49-character limit.
 */
export function managerUserIdFor(ownerId: string): string {
  return `u-${createHash("sha256").update(ownerId).digest("hex").slice(0, 12)}`;
}
