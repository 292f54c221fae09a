import { ApiError } from "../api/api-error.ts";
import type { ChatErrorCode } from "../api/models.ts";
import type { MessageKey } from "../i18n/en.ts";
import { MODEL_SETTINGS_LINK, ROUTES } from "../router/routes.ts";

/** Why a reply did not come: the contract's codes, plus the app's own "can't reach the server". */
export type ChatProblemCode = ChatErrorCode | "network";

export interface ChatProblem {
  code: ChatProblemCode;
  /** The server's own words, shown small under the explanation. */
  detail: string;
}

/** Typed against the contract, so a code added there fails the build until it is explained here. */
const TEXT: Record<ChatProblemCode, MessageKey> = {
  model_not_configured: "chat.problem.model_not_configured",
  model_auth_failed: "chat.problem.model_auth_failed",
  model_out_of_credits: "chat.problem.model_out_of_credits",
  model_unavailable: "chat.problem.model_unavailable",
  instance_not_running: "chat.problem.instance_not_running",
  chat_failed: "chat.problem.chat_failed",
  network: "common.networkError",
};

/** Where the person can fix it, when the app has a place for that. */
const ACTION: Partial<Record<ChatProblemCode, { to: string; label: MessageKey }>> = {
  model_not_configured: { to: MODEL_SETTINGS_LINK, label: "chat.action.chooseModel" },
  model_auth_failed: { to: MODEL_SETTINGS_LINK, label: "chat.action.checkKey" },
  model_out_of_credits: { to: MODEL_SETTINGS_LINK, label: "chat.action.changeModel" },
  instance_not_running: { to: ROUTES.dashboard, label: "chat.action.openDashboard" },
};

export function problemText(code: ChatProblemCode): MessageKey {
  return TEXT[code];
}

export function problemAction(code: ChatProblemCode): { to: string; label: MessageKey } | undefined {
  return ACTION[code];
}

/** A code from the stream; anything this app does not know is a plain failure. */
export function problemFromEvent(data: { error: string; code: string }): ChatProblem {
  const code = (Object.hasOwn(TEXT, data.code) ? data.code : "chat_failed") as ChatProblemCode;
  return { code, detail: data.error };
}

/** A request the App API refused before the stream opened (or that never reached it). */
export function problemFromError(err: unknown): ChatProblem {
  if (err instanceof ApiError) {
    if (err.status === 0) return { code: "network", detail: err.message };
    if (err.body.code && Object.hasOwn(TEXT, err.body.code)) return problemFromEvent({ error: err.message, code: err.body.code });
    if (err.status === 503) return { code: "instance_not_running", detail: err.message };
  }
  return { code: "chat_failed", detail: err instanceof Error ? err.message : String(err) };
}
