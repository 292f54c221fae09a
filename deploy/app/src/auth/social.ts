/**
 * Web sign-in with Google Identity Services and Sign in with Apple JS. Both hand the app an
 * ID token that the App API verifies (/auth/google, /auth/apple). The scripts load only when
 * a client id is configured, so the default bundle stays small and offline-safe.
 */
const GOOGLE_SCRIPT = "https://accounts.google.com/gsi/client";
const APPLE_SCRIPT = "https://appleid.cdn-apple.com/appleauth/static/jsapi/appleid/1/en_US/appleid.auth.js";

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (document.querySelector(`script[src="${src}"]`)) return resolve();
    const el = document.createElement("script");
    el.src = src;
    el.async = true;
    el.onload = () => resolve();
    el.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(el);
  });
}

interface GoogleId {
  initialize(opts: { client_id: string; callback: (r: { credential: string }) => void }): void;
  renderButton(el: HTMLElement, opts: Record<string, unknown>): void;
}
interface AppleIdAuth {
  init(opts: Record<string, unknown>): void;
  signIn(): Promise<{ authorization: { id_token: string }; user?: { name?: { firstName?: string; lastName?: string } } }>;
}

/** Renders Google's own button into `el`; `onToken` receives the ID token (credential). */
export async function mountGoogleButton(el: HTMLElement, clientId: string, onToken: (idToken: string) => void): Promise<void> {
  await loadScript(GOOGLE_SCRIPT);
  const gid = (window as unknown as { google: { accounts: { id: GoogleId } } }).google.accounts.id;
  gid.initialize({ client_id: clientId, callback: (r) => onToken(r.credential) });
  gid.renderButton(el, { theme: "filled_black", size: "large", shape: "pill", width: el.clientWidth || 320 });
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Opens Apple's popup; resolves with the identity token, the raw nonce (Apple embeds its
 * sha256, which the App API checks against this raw value) and the name Apple shares on first sign-in.
 */
export async function signInWithApple(clientId: string): Promise<{ idToken: string; nonce: string; name?: string }> {
  await loadScript(APPLE_SCRIPT);
  const auth = (window as unknown as { AppleID: { auth: AppleIdAuth } }).AppleID.auth;
  const nonce = crypto.randomUUID();
  auth.init({ clientId, scope: "name email", redirectURI: `${location.origin}/signin`, usePopup: true, nonce: await sha256Hex(nonce) });
  const r = await auth.signIn();
  const n = r.user?.name;
  const name = n ? [n.firstName, n.lastName].filter(Boolean).join(" ") : undefined;
  return { idToken: r.authorization.id_token, nonce, name: name || undefined };
}
