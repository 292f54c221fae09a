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
}

/**
 * The guide's AuthInterceptor: attaches the access token, refreshes it shortly BEFORE it
 * expires (so the user never sees a 401), and if the server still answers 401 (token revoked,
 * clock off) refreshes once and retries the request once. Concurrent requests share one refresh.
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

  private async doRefresh(): Promise<AuthTokens> {
    const current = this.opts.tokens.get();
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
