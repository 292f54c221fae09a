import { ApiError, SessionExpiredError } from "./api-error.ts";
import { parseAuthResponse, type AuthTokens } from "./models.ts";
import type { TokenStore } from "./token-store.ts";

export interface AuthInterceptorOptions {
  baseUrl: string;
  tokens: TokenStore;
  fetch?: typeof fetch;
  now?: () => number;
  /** Refresh this long before the access token expires (clock skew + request time). */
  refreshSkewMs?: number;
  /** Called once when the refresh token is rejected: the app sends the user to sign-in. */
  onSessionExpired?: () => void;
  /**
   * Runs `fn` while holding a lock shared by every tab of this origin (default: the Web Locks
   * API, navigator.locks), so tabs sharing one stored session refresh one at a time.
   */
  lock?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
}

/** Web Locks when the browser has them (all current ones do); otherwise no cross-tab lock. */
export function webLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as (Navigator & { locks?: LockManager }) | undefined)?.locks;
  return locks ? (locks.request(name, fn) as Promise<T>) : fn();
}

const REFRESH_LOCK = "clawbox.refresh";

/**
 * The guide's AuthInterceptor: attaches the access token, refreshes it shortly BEFORE it
 * expires (so the user never sees a 401), and if the server still answers 401 (token revoked,
 * clock off) refreshes once and retries the request once. Concurrent requests share one refresh.
 * Tabs share it too: refresh tokens are single use (a reused one ends the session), so a refresh
 * runs under a cross-tab lock and first re-reads the shared store: if another tab already
 * rotated the token while this one waited, this tab adopts the new tokens instead of spending
 * the old refresh token a second time.
 */
export class AuthInterceptor {
  private readonly opts: Required<Omit<AuthInterceptorOptions, "onSessionExpired">> & Pick<AuthInterceptorOptions, "onSessionExpired">;
  private refreshing: Promise<AuthTokens> | null = null;
  /** How many refreshes happened; the e2e test and diagnostics read it. */
  refreshCount = 0;

  constructor(options: AuthInterceptorOptions) {
    this.opts = {
      fetch: (...args) => globalThis.fetch(...args),
      now: () => Date.now(),
      refreshSkewMs: 10_000,
      lock: webLock,
      ...options,
    };
  }

  /** Sends a request with the access token; refreshes before expiry and retries once on 401. */
  async send(path: string, init: RequestInit = {}): Promise<Response> {
    let tokens = this.opts.tokens.get();
    if (!tokens) throw new SessionExpiredError({ error: "Not signed in" });
    if (tokens.accessTokenExpiresAt - this.opts.now() <= this.opts.refreshSkewMs) tokens = await this.refresh();
    const res = await this.fetchWith(path, init, tokens.accessToken);
    if (res.status !== 401) return res;
    const fresh = await this.refresh(tokens.accessToken);
    const retried = await this.fetchWith(path, init, fresh.accessToken);
    if (retried.status === 401) this.expire();
    return retried;
  }

  /**
   * One refresh at a time. `staleAccessToken`: the token that just failed; if another request
   * already replaced it, use the new one instead of refreshing again.
   */
  refresh(staleAccessToken?: string): Promise<AuthTokens> {
    const current = this.opts.tokens.get();
    if (staleAccessToken && current && current.accessToken !== staleAccessToken) return Promise.resolve(current);
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private doRefresh(): Promise<AuthTokens> {
    const before = this.opts.tokens.get();
    return this.opts.lock(REFRESH_LOCK, async () => {
      const current = this.opts.tokens.get();
      // Another tab refreshed while this one waited for the lock: use its tokens.
      if (current && before && current.refreshToken !== before.refreshToken && current.accessTokenExpiresAt - this.opts.now() > this.opts.refreshSkewMs) {
        return current;
      }
      return this.exchange(current);
    });
  }

  private async exchange(current: AuthTokens | null): Promise<AuthTokens> {
    if (!current || current.refreshTokenExpiresAt <= this.opts.now()) throw this.expire();
    let res: Response;
    try {
      res = await this.opts.fetch(`${this.opts.baseUrl}/auth/refresh`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refreshToken: current.refreshToken }),
      });
    } catch (err) {
      throw new ApiError(0, { error: (err as Error).message, code: "network" });
    }
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      throw this.expire(await res.json().catch(() => undefined));
    }
    if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => ({ error: res.statusText })));
    const { tokens } = parseAuthResponse(await res.json());
    this.opts.tokens.set(tokens);
    this.refreshCount++;
    return tokens;
  }

  private expire(body?: { error: string }): SessionExpiredError {
    this.opts.tokens.set(null);
    this.opts.onSessionExpired?.();
    return new SessionExpiredError(body);
  }

  private async fetchWith(path: string, init: RequestInit, accessToken: string): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${accessToken}`);
    try {
      return await this.opts.fetch(`${this.opts.baseUrl}${path}`, { ...init, headers });
    } catch (err) {
      throw new ApiError(0, { error: (err as Error).message, code: "network" });
    }
  }
}
