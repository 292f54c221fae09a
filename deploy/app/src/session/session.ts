import { ApiClient } from "../api/api-client.ts";
import type { Instance, Subscription, User } from "../api/models.ts";
import { localStorageTokenStore } from "../api/token-store.ts";

export interface SessionState {
  signedIn: boolean;
  user: User | null;
  subscription: Subscription | null;
  /** The user's instance (one per user); undefined = not loaded yet, null = none. */
  instance: Instance | null | undefined;
  /** Set when the session ended on its own (revoked refresh token), shown on sign-in. */
  expired: boolean;
}

/**
 * The app's state (the Flutter app's Riverpod providers: auth, subscription, instance),
 * as one small observable store that React reads with useSyncExternalStore.
 */
export class Session {
  readonly api: ApiClient;
  private state: SessionState;
  private readonly listeners = new Set<() => void>();
  private instanceGeneration = 0;

  constructor(apiBase: string) {
    const tokens = localStorageTokenStore(localStorage);
    this.api = new ApiClient({ baseUrl: apiBase, tokens, onSessionExpired: () => this.onExpired() });
    this.state = { signedIn: tokens.get() !== null, user: null, subscription: null, instance: undefined, expired: false };
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };
  getState = () => this.state;

  private set(patch: Partial<SessionState>) {
    this.state = { ...this.state, ...patch };
    this.listeners.forEach((l) => l());
  }

  /** Loads user + subscription after sign-in or on app start with stored tokens. */
  async load(): Promise<void> {
    if (!this.api.signedIn) return;
    const [user, subscription] = await Promise.all([this.api.me(), this.api.subscription()]);
    this.set({ user, subscription, signedIn: true });
  }

  async refreshSubscription(): Promise<void> {
    this.set({ subscription: await this.api.subscription() });
  }

  async refreshInstance(): Promise<Instance | null> {
    const generation = this.instanceGeneration;
    const list = await this.api.listInstances();
    const instance = list[0] ?? null;
    // A create/delete finished while this poll was in flight: its answer is stale.
    if (generation === this.instanceGeneration) this.set({ instance });
    return instance;
  }

  setInstance(instance: Instance | null) {
    this.instanceGeneration++;
    this.set({ instance });
  }

  async signIn(email: string, password: string) {
    const { user } = await this.api.login({ email, password });
    this.set({ signedIn: true, user, expired: false, instance: undefined, subscription: null });
    await this.load();
  }

  async signUp(email: string, password: string, name: string) {
    const { user } = await this.api.signup({ email, password, name: name || undefined });
    this.set({ signedIn: true, user, expired: false, instance: undefined, subscription: null });
    await this.load();
  }

  async signInWithGoogle(idToken: string) {
    const { user } = await this.api.google(idToken);
    this.set({ signedIn: true, user, expired: false, instance: undefined, subscription: null });
    await this.load();
  }

  async signInWithApple(idToken: string, nonce: string, name?: string) {
    const { user } = await this.api.apple(idToken, nonce, name);
    this.set({ signedIn: true, user, expired: false, instance: undefined, subscription: null });
    await this.load();
  }

  async signOut() {
    await this.api.logout();
    this.set({ signedIn: false, user: null, subscription: null, instance: undefined, expired: false });
  }

  async deleteAccount() {
    await this.api.deleteAccount();
    this.set({ signedIn: false, user: null, subscription: null, instance: undefined, expired: false });
  }

  private onExpired() {
    this.set({ signedIn: false, user: null, subscription: null, instance: undefined, expired: true });
  }
}
