/** Typed models of the App API (the guide's Flutter models: User, AuthTokens, Instance, PairingRequest). */
import type { AuthSession, User } from "@clawbox/shared";

// Every shape the App API sends or takes is the shared contract's (TypeBox), imported as types
// only so nothing of TypeBox reaches the bundle. Only what the app derives itself is defined here.
export type {
  AuthSession,
  ErrorShape as ApiErrorBody,
  Subscription,
  User,
  VncTicket,
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

/** Runtime config the server hands the app at /config.json. */
export interface AppConfig {
  apiBase: string;
  googleClientId: string | null;
  appleClientId: string | null;
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

export function parseAuthResponse(body: AuthSession): AuthResponse {
  const user = body.user;
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
