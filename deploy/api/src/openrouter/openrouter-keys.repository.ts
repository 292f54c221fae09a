import { Inject, Injectable } from "@nestjs/common";
import { eq } from "drizzle-orm";
import type { Database } from "../db/database.ts";
import { openrouterKeys, type OpenrouterKeyRow } from "../db/schema.ts";
import { DATABASE } from "../common/tokens.ts";

@Injectable()
export class OpenRouterKeysRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async findByUser(userId: string): Promise<OpenrouterKeyRow | undefined> {
    const [row] = await this.db.select().from(openrouterKeys).where(eq(openrouterKeys.userId, userId)).limit(1);
    return row;
  }

  /** undefined when the user already has a key (a concurrent request stored one first). */
  async insert(row: {
    userId: string;
    providerKeyHash: string;
    keyHash: string;
    keyEncrypted: string;
    limitCredits: number;
  }): Promise<OpenrouterKeyRow | undefined> {
    const [saved] = await this.db.insert(openrouterKeys).values(row).onConflictDoNothing().returning();
    return saved;
  }

  async setState(userId: string, state: "active" | "disabled"): Promise<void> {
    await this.db.update(openrouterKeys).set({ state, updatedAt: new Date() }).where(eq(openrouterKeys.userId, userId));
  }
}
