import { Inject, Injectable } from "@nestjs/common";
import { eq } from "drizzle-orm";
import type { Database } from "../db/database.ts";
import { subscriptions, type SubscriptionRow } from "../db/schema.ts";
import { DATABASE } from "../common/tokens.ts";

@Injectable()
export class SubscriptionsRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async find(userId: string): Promise<SubscriptionRow | undefined> {
    const [row] = await this.db.select().from(subscriptions).where(eq(subscriptions.userId, userId)).limit(1);
    return row;
  }

  async upsert(row: { userId: string; entitlement: string; active: boolean; expiresAt: Date | null; source: string }) {
    const values = { ...row, updatedAt: new Date() };
    await this.db
      .insert(subscriptions)
      .values(values)
      .onConflictDoUpdate({ target: subscriptions.userId, set: values });
  }

  async remove(userId: string): Promise<void> {
    await this.db.delete(subscriptions).where(eq(subscriptions.userId, userId));
  }
}
