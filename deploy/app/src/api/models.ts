/** Typed models of the App API (the guide's Flutter models: User, AuthTokens, Instance, PairingRequest). */

// The instance, pairing, model and chat shapes are the shared contract's (TypeBox), imported as
// types only so nothing of TypeBox reaches the bundle.
export type {
  ChannelStatus as TelegramStatus,
  ChannelStatus as WhatsAppStatus,
  ChatErrorCode,
  ChatHistory,
  ChatMessage,
  ChatStreamEvent,
  InstancePhase,
  InstanceView as Instance,
  ModelProvider,
  ModelSettings,
  ModelView,
  PairingRequest,
  WhatsappQrResult as WhatsAppQr,
  WhatsappWaitResult as WhatsAppWait,
} from "@clawbox/shared";

export interface User {
  id: string;
  email: string;
  name: string | null;
}

export interface AuthTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds (parsed from the API's ISO string or seconds). */
  accessTokenExpiresAt: number;
  refreshTokenExpiresAt: number;
}

export interface AuthResponse {
  user: User;
  tokens: AuthTokens;
}

export interface Subscription {
  active: boolean;
  entitlement: string | null;
  expiresAt: string | null;
  source: string | null;
  /** false when the server runs without subscriptions: the paywall is skipped. */
  required: boolean;
}

export interface VncTicket {
  ticket: string;
  path: string;
  expiresAt: string;
}

/** Runtime config the server hands the app at /config.json. */
export interface AppConfig {
  apiBase: string;
  googleClientId: string | null;
  appleClientId: string | null;
}

/** The API's one error shape. */
export interface ApiErrorBody {
  error: string;
  code?: string;
  field?: string;
  rule?: string;
}

/** Accepts an ISO string, epoch seconds or epoch milliseconds. */
export function toEpochMs(value: unknown): number {
  if (typeof value === "number") return value < 1e12 ? value * 1000 : value;
  if (typeof value === "string") {
    if (/^\d+$/.test(value)) return toEpochMs(Number(value));
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new Error(`not a time: ${String(value)}`);
}

export function parseAuthResponse(body: Record<string, unknown>): AuthResponse {
  const user = body.user as User;
  return {
    user: { id: user.id, email: user.email, name: user.name ?? null },
    tokens: {
      accessToken: String(body.accessToken),
      refreshToken: String(body.refreshToken),
      accessTokenExpiresAt: toEpochMs(body.accessTokenExpiresAt),
      refreshTokenExpiresAt: toEpochMs(body.refreshTokenExpiresAt),
    },
  };
}
