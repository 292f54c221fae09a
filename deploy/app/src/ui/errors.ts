import { ApiError } from "../api/api-error.ts";
import type { MessageKey } from "../i18n/en.ts";

/** Text for an error caught in a screen: the API's own message, or the network hint. */
export function errorText(err: unknown, t: (key: MessageKey, p?: Record<string, string>) => string): string {
  if (err instanceof ApiError && err.status === 0) return t("common.networkError");
  const message = err instanceof Error ? err.message : String(err);
  return t("common.error", { message });
}
