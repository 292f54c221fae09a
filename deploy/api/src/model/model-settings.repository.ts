import { Inject, Injectable } from "@nestjs/common";
import { eq } from "drizzle-orm";
import type { Database } from "../db/database.ts";
import { modelSettings, type ModelSettingsRow } from "../db/schema.ts";
import { DATABASE } from "../common/tokens.ts";

@Injectable()
export class ModelSettingsRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async find(userId: string): Promise<ModelSettingsRow | undefined> {
    const [row] = await this.db.select().from(modelSettings).where(eq(modelSettings.userId, userId)).limit(1);
    return row;
  }

  /** One row per user: insert or replace in one statement, so a retried PUT is the same PUT. */
  async upsert(row: Omit<ModelSettingsRow, "updatedAt">): Promise<void> {
    const values = { ...row, updatedAt: new Date() };
    await this.db.insert(modelSettings).values(values).onConflictDoUpdate({ target: modelSettings.userId, set: values });
  }

  async delete(userId: string): Promise<void> {
    await this.db.delete(modelSettings).where(eq(modelSettings.userId, userId));
  }
}
