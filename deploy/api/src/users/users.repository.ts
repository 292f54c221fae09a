import { Inject, Injectable } from "@nestjs/common";
import { eq } from "drizzle-orm";
import type { Database } from "../db/database.ts";
import { users, type UserRow } from "../db/schema.ts";
import { DATABASE } from "../common/tokens.ts";

/** SQL for users, nothing else. */
@Injectable()
export class UsersRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async findById(id: string): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.id, id)).limit(1);
    return row;
  }

  async findByEmail(email: string): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.email, email)).limit(1);
    return row;
  }

  async findBySocial(provider: "google" | "apple", sub: string): Promise<UserRow | undefined> {
    const column = provider === "google" ? users.googleSub : users.appleSub;
    const [row] = await this.db.select().from(users).where(eq(column, sub)).limit(1);
    return row;
  }

  /** Returns undefined when the email is already taken (unique index), without a race. */
  async insertWithPassword(email: string, passwordHash: string, name: string | null): Promise<UserRow | undefined> {
    const [row] = await this.db
      .insert(users)
      .values({ email, passwordHash, name })
      .onConflictDoNothing()
      .returning();
    return row;
  }

  async insertSocial(provider: "google" | "apple", sub: string, email: string | null, name: string | null) {
    const [row] = await this.db
      .insert(users)
      .values(provider === "google" ? { googleSub: sub, email, name } : { appleSub: sub, email, name })
      .onConflictDoNothing()
      .returning();
    return row;
  }

  async linkSocial(userId: string, provider: "google" | "apple", sub: string): Promise<UserRow | undefined> {
    const [row] = await this.db
      .update(users)
      .set(provider === "google" ? { googleSub: sub } : { appleSub: sub })
      .where(eq(users.id, userId))
      .returning();
    return row;
  }

  async delete(id: string): Promise<void> {
    await this.db.delete(users).where(eq(users.id, id));
  }
}
