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
   * API, navigator.locks), so tabs sharing one stored session refresh one at a time. `fn` is
   * told whether it had to wait for another holder (then that tab just rotated the tokens).
   */
  lock?: <T>(name: string, fn: (waited: boolean) => Promise<T>) => Promise<T>;
}

/**
 * Web Locks when the browser has them (all current ones do); otherwise no cross-tab lock.
 * "Did we wait?" is decided atomically by the browser: an `ifAvailable` request either gets
 * the lock at once or gets null because another tab holds it.
 */
export function webLock<T>(name: string, fn: (waited: boolean) => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as (Navigator & { locks?: LockManager }) | undefined)?.locks;
  if (!locks) return fn(false);
  return locks.request(name, { ifAvailable: true }, (lock) =>
    lock ? fn(false) : locks.request(name, () => fn(true)),
  ) as Promise<T>;
}

/**
 * How long a tab that waited for another tab's refresh waits for that tab's tokens to reach
 * its copy of localStorage: browsers propagate storage between tabs asynchronously, so the
 * lock can be granted a moment before the new tokens are visible here.
 */
const ADOPT_WAIT_MS = 2000;

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
    // Only end the session this request was sent with, not one signed in since.
    if (retried.status === 401 && this.opts.tokens.get()?.accessToken === fresh.accessToken) this.expire();
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
    // waited: another tab held the lock, i.e. it just rotated the very token this tab holds.
    return this.opts.lock(REFRESH_LOCK, async (waited) => {
      const rotated = () => {
        const current = this.opts.tokens.get();
        const fresh = current && before && current.refreshToken !== before.refreshToken && current.accessTokenExpiresAt - this.opts.now() > this.opts.refreshSkewMs;
        return fresh ? current : null;
      };
      let adopted = rotated();
      // The other tab's tokens may not have reached this tab's storage yet: wait a moment for
      // them rather than spend the old refresh token a second time (that would end the session).
      for (let ms = 0; !adopted && waited && ms < ADOPT_WAIT_MS; ms += 25) {
        await new Promise((r) => setTimeout(r, 25));
        adopted = rotated();
      }
      return adopted ?? this.exchange(this.opts.tokens.get());
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
    // The user may have signed out, or out and in again, while this refresh was in flight (a slow
    // server, a poll started by the old session). Its answer belongs to that old session: storing
    // it would overwrite the new session's tokens, and a refusal must not end the new session.
    if (this.opts.tokens.get()?.refreshToken !== current.refreshToken) throw new SessionExpiredError({ error: "Signed out during a refresh" });
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      throw this.expire(await res.json().catch(() => undefined));
    }
    if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => ({ error: res.statusText })));
    const { tokens } = parseAuthResponse(await res.json());
    if (this.opts.tokens.get()?.refreshToken !== current.refreshToken) throw new SessionExpiredError({ error: "Signed out during a refresh" });
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
