import { Inject, Injectable } from "@nestjs/common";
import { and, asc, count, eq } from "drizzle-orm";
import type { Database } from "../db/database.ts";
import { instances, users, type InstanceRow } from "../db/schema.ts";
import { DATABASE } from "../common/tokens.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class InstancesRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  listByOwner(ownerId: string): Promise<InstanceRow[]> {
    return this.db.select().from(instances).where(eq(instances.ownerId, ownerId)).orderBy(asc(instances.createdAt));
  }

  /** The instance if it exists AND belongs to this owner; anything else is undefined (-> 404). */
  async findOwned(ownerId: string, id: string): Promise<InstanceRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const [row] = await this.db
      .select()
      .from(instances)
      .where(and(eq(instances.id, id), eq(instances.ownerId, ownerId)))
      .limit(1);
    return row;
  }

  async findById(id: string): Promise<InstanceRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const [row] = await this.db.select().from(instances).where(eq(instances.id, id)).limit(1);
    return row;
  }

  /**
   * Inserts the row unless the owner is at the limit. The owner's row is locked for the
   * transaction, so two concurrent creates cannot both pass the count.
   */
  async insertUnderLimit(
    ownerId: string,
    managerUserId: string,
    max: number,
  ): Promise<{ row: InstanceRow } | { existing: InstanceRow[] }> {
    return this.db.transaction(async (tx) => {
      await tx.select({ id: users.id }).from(users).where(eq(users.id, ownerId)).for("update");
      const existing = await tx.select().from(instances).where(eq(instances.ownerId, ownerId));
      if (existing.length >= max) return { existing };
      const [row] = await tx.insert(instances).values({ ownerId, managerUserId }).onConflictDoNothing().returning();
      return row ? { row } : { existing };
    });
  }

  async countByOwner(ownerId: string): Promise<number> {
    const [r] = await this.db.select({ n: count() }).from(instances).where(eq(instances.ownerId, ownerId));
    return r?.n ?? 0;
  }

  async delete(id: string): Promise<void> {
    await this.db.delete(instances).where(eq(instances.id, id));
  }
}
