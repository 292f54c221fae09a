import { SseParser } from "@clawbox/shared/contract/sse";
import { ApiError } from "./api-error.ts";
import { AuthInterceptor, type AuthInterceptorOptions } from "./auth-interceptor.ts";
import {
  parseAuthResponse,
  type AuthResponse,
  type ChatHistory,
  type ChatStreamEvent,
  type Instance,
  type ModelSettings,
  type ModelView,
  type PairingRequest,
  type Subscription,
  type TelegramStatus,
  type VncTicket,
  type WhatsAppQr,
  type WhatsAppStatus,
  type WhatsAppWait,
} from "./models.ts";
import type { TokenStore } from "./token-store.ts";
import type {
  AppleAuth,
  GoogleAuth,
  InstanceDeleted,
  Login,
  PairingApprove,
  PairingApproveResult,
  PairingList,
  Profile,
  Refresh,
  RpcCall,
  Signup,
  TelegramLogoutResult,
  TelegramSetup,
  TelegramSetupResult,
  WhatsappQr,
  WhatsappWait,
} from "@clawbox/shared";

/** The client takes exactly what its interceptor takes. */
export type ApiClientOptions = AuthInterceptorOptions;

/** Typed calls to the App API (the guide's App API table). Authenticated calls go through the AuthInterceptor. */
export class ApiClient {
  readonly auth: AuthInterceptor;
  private readonly baseUrl: string;
  private readonly tokens: TokenStore;
  private readonly fetchFn: typeof fetch;

  constructor(opts: ApiClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.tokens = opts.tokens;
    this.fetchFn = opts.fetch ?? ((...args) => globalThis.fetch(...args));
    this.auth = new AuthInterceptor({ ...opts, baseUrl: this.baseUrl, fetch: this.fetchFn });
  }

  get signedIn(): boolean {
    return this.tokens.get() !== null;
  }

  // --- auth (no JWT) ---
  signup(input: Signup) {
    return this.authCall("/auth/signup", input);
  }
  login(input: Login) {
    return this.authCall("/auth/login", input);
  }
  google(idToken: string) {
    return this.authCall("/auth/google", { idToken } satisfies GoogleAuth);
  }
  /** `nonce`: the raw nonce; Apple's token carries its sha256 (hex). */
  apple(idToken: string, nonce: string, name?: string) {
    return this.authCall("/auth/apple", { idToken, nonce, ...(name ? { name } : {}) } satisfies AppleAuth);
  }
  /** Revokes the refresh token server-side (best effort) and forgets the session locally. */
  async logout(): Promise<void> {
    const tokens = this.tokens.get();
    if (tokens) {
      await this.json("POST", "/auth/logout", { refreshToken: tokens.refreshToken } satisfies Refresh).catch(() => undefined);
    }
    this.tokens.set(null);
  }

  // --- account ---
  me() {
    return this.json<Profile>("GET", "/users/me");
  }
  async deleteAccount(): Promise<void> {
    await this.json("DELETE", "/users/me");
    this.tokens.set(null);
  }
  subscription() {
    return this.json<Subscription>("GET", "/subscription");
  }

  // --- instances ---
  async listInstances(): Promise<Instance[]> {
    const body = await this.json<Instance[] | { instances: Instance[] }>("GET", "/instances");
    return Array.isArray(body) ? body : body.instances;
  }
  createInstance() {
    return this.json<Instance>("POST", "/instances", {});
  }
  getInstance(id: string) {
    return this.json<Instance>("GET", `/instances/${encodeURIComponent(id)}`);
  }
  /** Restarts the assistant in place: same instance id, its data and channels kept. */
  /** The WhatsApp opt-in of sleeping (the idle time is the operator's). */
  setSleepSettings(id: string, sleepWithWhatsApp: boolean): Promise<Instance> {
    return this.json<Instance>("PUT", `/instances/${encodeURIComponent(id)}/sleep`, { sleepWithWhatsApp });
  }
  restartInstance(id: string): Promise<Instance> {
    return this.json<Instance>("POST", `/instances/${encodeURIComponent(id)}/restart`, {});
  }
  deleteInstance(id: string) {
    return this.json<InstanceDeleted>("DELETE", `/instances/${encodeURIComponent(id)}?preservePvc=true`);
  }

  // --- the assistant's model (Settings > Assistant's model) ---
  /** The model in effect, or null when the assistant has none (404 model_not_configured). */
  async getModel(): Promise<ModelView | null> {
    try {
      return await this.json<ModelView>("GET", "/users/me/model");
    } catch (err) {
      if (err instanceof ApiError && err.body.code === "model_not_configured") return null;
      throw err;
    }
  }
  /** Stores the model (without apiKey the saved key is kept) and restarts the assistant with it. */
  setModel(settings: ModelSettings) {
    return this.json<ModelView>("PUT", "/users/me/model", settings);
  }
  async clearModel(): Promise<void> {
    await this.json("DELETE", "/users/me/model");
  }

  // --- chat ---
  chatHistory(id: string) {
    return this.json<ChatHistory>("GET", `${inst(id)}/chat/history`);
  }
  /**
   * Sends a message and calls `onEvent` for each server-sent event as it arrives (delta...,
   * then done or error). Resolves when the stream ends. A refused request (404, 400, expired
   * session) throws the ApiError like every other call; a stream that breaks off without
   * done/error is reported as one more `error` event, so the screen has one place for failures.
   */
  async chat(id: string, message: string, onEvent: (e: ChatStreamEvent) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.auth.send(`${inst(id)}/chat`, {
      method: "POST",
      headers: { ...jsonHeaders, accept: "text/event-stream" },
      body: JSON.stringify({ message }),
      signal,
    });
    if (!res.ok) await readJson(res); // throws the ApiError
    const parser = new SseParser();
    const decoder = new TextDecoder();
    let finished = false;
    const deliver = (events: ChatStreamEvent[]) => {
      for (const e of events) {
        if (e.event === "done" || e.event === "error") finished = true;
        onEvent(e);
      }
    };
    try {
      const reader = res.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        deliver(parser.feed(decoder.decode(value, { stream: true })));
      }
      deliver(parser.feed(decoder.decode()));
    } catch (err) {
      if (signal?.aborted) return;
      if (!finished) onEvent({ event: "error", data: { error: (err as Error).message, code: "chat_failed" } });
      return;
    }
    if (!finished && !signal?.aborted) onEvent({ event: "error", data: { error: "The reply stopped before it finished", code: "chat_failed" } });
  }

  // --- channels ---
  telegramSetup(id: string, botToken: string) {
    return this.json<TelegramSetupResult>("POST", `${inst(id)}/telegram/setup`, { botToken } satisfies TelegramSetup);
  }
  telegramStatus(id: string) {
    return this.json<TelegramStatus>("GET", `${inst(id)}/telegram/status?probe=true`);
  }
  telegramLogout(id: string) {
    return this.json<TelegramLogoutResult>("POST", `${inst(id)}/telegram/logout`, {});
  }
  async pairingList(id: string, channel = "telegram"): Promise<PairingRequest[]> {
    const body = await this.json<PairingList>("GET", `${inst(id)}/pairing/list?channel=${encodeURIComponent(channel)}`);
    return body.requests;
  }
  pairingApprove(id: string, code: string, channel = "telegram") {
    return this.json<PairingApproveResult>("POST", `${inst(id)}/pairing/approve`, { channel, code, notify: true } satisfies PairingApprove);
  }
  whatsappQr(id: string) {
    return this.json<WhatsAppQr>("POST", `${inst(id)}/whatsapp/qr`, { force: true } satisfies WhatsappQr);
  }
  whatsappWait(id: string, timeoutMs = 120_000) {
    return this.json<WhatsAppWait>("POST", `${inst(id)}/whatsapp/wait`, { timeoutMs } satisfies WhatsappWait);
  }
  whatsappStatus(id: string) {
    return this.json<WhatsAppStatus>("GET", `${inst(id)}/whatsapp/status`);
  }
  rpc<T = unknown>(id: string, method: string, params?: RpcCall["params"]) {
    return this.json<T>("POST", `${inst(id)}/rpc`, { method, ...(params ? { params } : {}) } satisfies RpcCall);
  }
  vncTicket(id: string) {
    return this.json<VncTicket>("POST", `${inst(id)}/vnc/ticket`, {});
  }

  /** Absolute ws(s):// URL of the ticket's VNC socket, on the same origin as the API base. */
  vncSocketUrl(ticket: VncTicket, origin: string): string {
    const base = new URL(this.baseUrl, origin);
    const url = new URL(base.pathname.replace(/\/+$/, "") + ticket.path, base);
    if (!url.searchParams.has("ticket")) url.searchParams.set("ticket", ticket.ticket);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.toString();
  }

  private async authCall(path: string, body: unknown): Promise<AuthResponse> {
    const res = await this.raw(path, { method: "POST", headers: jsonHeaders, body: JSON.stringify(body) });
    const auth = parseAuthResponse(await readJson(res));
    this.tokens.set(auth.tokens);
    return auth;
  }

  private async raw(path: string, init: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetchFn(`${this.baseUrl}${path}`, init);
    } catch (err) {
      throw new ApiError(0, { error: (err as Error).message, code: "network" });
    }
    return res;
  }

  private async json<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.auth.send(path, {
      method,
      headers: body === undefined ? undefined : jsonHeaders,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return readJson(res) as Promise<T>;
  }
}

const jsonHeaders = { "content-type": "application/json" };

function inst(id: string): string {
  return `/instances/${encodeURIComponent(id)}`;
}

async function readJson(res: Response): Promise<any> {
  const text = await res.text();
  let body: any = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, body && typeof body.error === "string" ? body : { error: text || res.statusText });
  return body;
}
