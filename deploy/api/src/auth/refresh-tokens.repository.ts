import { Inject, Injectable } from "@nestjs/common";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Database } from "../db/database.ts";
import { refreshTokens, users, type RefreshTokenRow } from "../db/schema.ts";
import { DATABASE } from "../common/tokens.ts";

export type RotateOutcome =
  | { outcome: "rotated"; row: RefreshTokenRow }
  | { outcome: "invalid" | "revoked" | "expired" | "reused"; row?: RefreshTokenRow };

/**
 * Refresh tokens; a family (`family_id`) is one sign-in, i.e. one session: the access tokens of
 * that sign-in carry it as `sid`, and the session is live while the family has a token that is
 * neither revoked nor expired.
 */
@Injectable()
export class RefreshTokensRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async insert(row: { tokenHash: string; familyId: string; userId: string; expiresAt: Date }): Promise<void> {
    await this.db.insert(refreshTokens).values(row);
  }

  async findByHash(tokenHash: string): Promise<RefreshTokenRow | undefined> {
    const [row] = await this.db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).limit(1);
    return row;
  }

  /**
   * Single-use rotation, atomic in the database. Every rotation of one user's tokens runs
   * under that user's row lock, so "mark used + insert successor" and "reuse detected + revoke
   * the family" never interleave: a revocation always sees (and revokes) every successor that
   * was issued before it. The use itself is one conditional UPDATE (... WHERE used_at IS NULL
   * RETURNING): of two requests with the same token exactly one gets the row back.
   */
  async rotate(
    tokenHash: string,
    now: Date,
    successor: (row: RefreshTokenRow) => { tokenHash: string; expiresAt: Date },
  ): Promise<RotateOutcome> {
    return this.db.transaction(async (tx) => {
      const [found] = await tx.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).limit(1);
      if (!found) return { outcome: "invalid" };
      const [owner] = await tx.select({ id: users.id }).from(users).where(eq(users.id, found.userId)).for("update");
      if (!owner) return { outcome: "invalid" };
      const [used] = await tx
        .update(refreshTokens)
        .set({ usedAt: now })
        .where(
          and(
            eq(refreshTokens.id, found.id),
            isNull(refreshTokens.usedAt),
            isNull(refreshTokens.revokedAt),
            gt(refreshTokens.expiresAt, now),
          ),
        )
        .returning();
      if (used) {
        const next = successor(used);
        await tx.insert(refreshTokens).values({ ...next, familyId: used.familyId, userId: used.userId });
        return { outcome: "rotated", row: used };
      }
      // Not usable: read it again under the lock to say why.
      const [row] = await tx.select().from(refreshTokens).where(eq(refreshTokens.id, found.id));
      if (!row || row.revokedAt) return { outcome: "revoked", row };
      if (!row.usedAt) return { outcome: "expired", row };
      await tx
        .update(refreshTokens)
        .set({ revokedAt: now })
        .where(and(eq(refreshTokens.familyId, row.familyId), isNull(refreshTokens.revokedAt)));
      return { outcome: "reused", row };
    });
  }

  async revokeFamily(familyId: string, at: Date): Promise<void> {
    await this.db
      .update(refreshTokens)
      .set({ revokedAt: at })
      .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
  }

  /** A session (family) is live while one of its tokens is neither revoked nor expired. */
  async isSessionLive(familyId: string, userId: string, now: Date): Promise<boolean> {
    const [row] = await this.db
      .select({ id: refreshTokens.id })
      .from(refreshTokens)
      .where(
        and(
          eq(refreshTokens.familyId, familyId),
          eq(refreshTokens.userId, userId),
          isNull(refreshTokens.revokedAt),
          gt(refreshTokens.expiresAt, now),
        ),
      )
      .limit(1);
    return row !== undefined;
  }
}
