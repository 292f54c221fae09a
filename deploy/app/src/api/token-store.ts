import type { AuthTokens } from "./models.ts";

/** Where the session's tokens live; the browser uses localStorage so a reload keeps the session. */
export interface TokenStore {
  get(): AuthTokens | null;
  set(tokens: AuthTokens | null): void;
}

export function memoryTokenStore(initial: AuthTokens | null = null): TokenStore {
  let tokens = initial;
  return { get: () => tokens, set: (t) => void (tokens = t) };
}

export function localStorageTokenStore(storage: Storage, key = "clawbox.tokens"): TokenStore {
  return {
    get() {
      const raw = storage.getItem(key);
      if (!raw) return null;
      try {
        return JSON.parse(raw) as AuthTokens;
      } catch {
        return null;
      }
    },
    set(tokens) {
      if (tokens) storage.setItem(key, JSON.stringify(tokens));
      else storage.removeItem(key);
    },
  };
}
