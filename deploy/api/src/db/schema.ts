import { sql } from "drizzle-orm";
import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * The App API's tables. Migrations in deploy/api/drizzle/ are generated from this file
 * (`npm run db:generate -w @clawbox/api`) and committed.
 */
export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    email: text("email"),
    /** "$argon2id$v=19$m=...,t=...,p=...$salt$hash"; null for social-only accounts. */
    passwordHash: text("password_hash"),
    googleSub: text("google_sub"),
    appleSub: text("apple_sub"),
    name: text("name"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("users_email_unique").on(t.email),
    uniqueIndex("users_google_sub_unique").on(t.googleSub),
    uniqueIndex("users_apple_sub_unique").on(t.appleSub),
  ],
);

export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    /** sha256 of the opaque token, hex; the token itself is never stored. */
    tokenHash: text("token_hash").notNull(),
    familyId: uuid("family_id").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("refresh_tokens_hash_unique").on(t.tokenHash), index("refresh_tokens_family_idx").on(t.familyId)],
);

export const instances = pgTable(
  "instances",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    ownerId: uuid("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The Manager's userId: u-<first 12 hex of sha256(ownerId)> (docs/ARCHITECTURE.md). */
    managerUserId: text("manager_user_id").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("instances_owner_idx").on(t.ownerId), uniqueIndex("instances_manager_user_id_unique").on(t.managerUserId)],
);

export const openrouterKeys = pgTable(
  "openrouter_keys",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** OpenRouter's own id of the key (`data.hash`), used to disable it. */
    providerKeyHash: text("provider_key_hash").notNull(),
    /** sha256 of the key, hex: lets us recognise the key without decrypting it. */
    keyHash: text("key_hash").notNull(),
    /** AES-256-GCM: base64url(iv).base64url(tag).base64url(ciphertext). */
    keyEncrypted: text("key_encrypted").notNull(),
    limitCredits: integer("limit_credits").notNull(),
    /** "active" | "disabled" */
    state: text("state").notNull().default("active"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("openrouter_keys_user_unique").on(t.userId)],
);

export const subscriptions = pgTable(
  "subscriptions",
  {
    userId: uuid("user_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    entitlement: text("entitlement").notNull(),
    active: boolean("active").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    /** "revenuecat_api" | "revenuecat_webhook" */
    source: text("source").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
);

/** A user's own model for their assistant (Settings > Assistant's model); the key only encrypted. */
export const modelSettings = pgTable("model_settings", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /** openrouter | anthropic | openai | openai-compatible */
  provider: text("provider").notNull(),
  model: text("model").notNull(),
  baseUrl: text("base_url"),
  /** AES-256-GCM like openrouter_keys.key_encrypted, bound to the user id; null: no key. */
  keyEncrypted: text("key_encrypted"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type UserRow = typeof users.$inferSelect;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
export type InstanceRow = typeof instances.$inferSelect;
export type OpenrouterKeyRow = typeof openrouterKeys.$inferSelect;
export type SubscriptionRow = typeof subscriptions.$inferSelect;
export type ModelSettingsRow = typeof modelSettings.$inferSelect;
