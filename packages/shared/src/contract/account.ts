import { Type, type Static } from "@sinclair/typebox";

/**
 * The App API's account routes as the app calls them: sign-up and sign-in bodies, the session
 * they answer, the profile, the subscription and the VNC ticket. The App API validates with the
 * bodies (ContractPipe) and documents both; the app's client is typed by them.
 */

const email = Type.String({ format: "email", maxLength: 254, examples: ["alice@example.com"], description: "Compared case-insensitively" });
const name = Type.String({ maxLength: 100 });
const idToken = (description: string) => Type.String({ minLength: 10, maxLength: 8192, description });

export const SignupSchema = Type.Object(
  { email, password: Type.String({ minLength: 8, maxLength: 128, writeOnly: true }), name: Type.Optional(name) },
  { additionalProperties: false, $id: "Signup" },
);
export type Signup = Static<typeof SignupSchema>;

export const LoginSchema = Type.Object(
  { email, password: Type.String({ minLength: 1, maxLength: 128, writeOnly: true }) },
  { additionalProperties: false, $id: "Login" },
);
export type Login = Static<typeof LoginSchema>;

export const GoogleAuthSchema = Type.Object(
  { idToken: idToken("Google ID token (JWT) from Google Sign-In") },
  { additionalProperties: false, $id: "GoogleAuth" },
);
export type GoogleAuth = Static<typeof GoogleAuthSchema>;

export const AppleAuthSchema = Type.Object(
  {
    idToken: idToken("Apple identity token (JWT) from Sign in with Apple"),
    nonce: Type.String({ minLength: 8, maxLength: 512, description: "The raw nonce the app generated; the token carries its sha256 (hex)" }),
    name: Type.Optional(Type.String({ maxLength: 100, description: "Apple sends the name to the app only on the first sign-in" })),
  },
  { additionalProperties: false, $id: "AppleAuth" },
);
export type AppleAuth = Static<typeof AppleAuthSchema>;

/** Body of POST /auth/refresh and POST /auth/logout. */
export const RefreshSchema = Type.Object(
  { refreshToken: Type.String({ minLength: 10, maxLength: 512 }) },
  { additionalProperties: false, $id: "Refresh" },
);
export type Refresh = Static<typeof RefreshSchema>;

const nullableString = Type.Union([Type.String(), Type.Null()]);

export const UserSchema = Type.Object({ id: Type.String({ format: "uuid" }), email: nullableString, name: nullableString });
export type User = Static<typeof UserSchema>;

/** What every sign-in, sign-up and refresh answers. */
export const AuthSessionSchema = Type.Object(
  {
    user: UserSchema,
    accessToken: Type.String({ description: "HS256 JWT, 15 minutes" }),
    refreshToken: Type.String({ description: "Opaque, 7 days, single use (rotates)" }),
    accessTokenExpiresAt: Type.String({ format: "date-time" }),
    refreshTokenExpiresAt: Type.String({ format: "date-time" }),
  },
  { $id: "AuthSession" },
);
export type AuthSession = Static<typeof AuthSessionSchema>;

/** GET /users/me. */
export const ProfileSchema = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    email: nullableString,
    name: nullableString,
    createdAt: Type.String({ format: "date-time" }),
    signInMethods: Type.Object({ password: Type.Boolean(), google: Type.Boolean(), apple: Type.Boolean() }),
  },
  { $id: "Profile" },
);
export type Profile = Static<typeof ProfileSchema>;

/** GET /subscription. */
export const SubscriptionSchema = Type.Object(
  {
    active: Type.Boolean(),
    entitlement: Type.String({ examples: ["pro"] }),
    expiresAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    source: Type.String({ description: "not_required | revenuecat_api | revenuecat_webhook | none" }),
    required: Type.Boolean({ description: "false when subscriptions are off: everyone is entitled (no paywall)" }),
  },
  { $id: "Subscription" },
);
export type Subscription = Static<typeof SubscriptionSchema>;

/** POST /instances/:id/vnc/ticket. */
export const VncTicketSchema = Type.Object(
  {
    ticket: Type.String({ description: "Short-lived (60 s) credential for this instance's VNC socket" }),
    path: Type.String({ examples: ["/instances/<id>/vnc?ticket=..."] }),
    expiresAt: Type.String({ format: "date-time" }),
  },
  { $id: "VncTicket" },
);
export type VncTicket = Static<typeof VncTicketSchema>;

/** DELETE /instances/:id[?preservePvc=false]: the query and the answer. */
export const InstanceDeleteQuerySchema = Type.Object(
  { preservePvc: Type.Optional(Type.Unsafe<"true" | "false">({ type: "string", enum: ["true", "false"], description: "false also deletes the instance's data volume (default true)" })) },
  { additionalProperties: false },
);
export type InstanceDeleteQuery = Static<typeof InstanceDeleteQuerySchema>;

export const InstanceDeletedSchema = Type.Object(
  { id: Type.String({ format: "uuid" }), deleted: Type.Boolean(), pvcPreserved: Type.Boolean() },
  { $id: "InstanceDeleted" },
);
export type InstanceDeleted = Static<typeof InstanceDeletedSchema>;
