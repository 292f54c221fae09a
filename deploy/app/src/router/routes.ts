/** The app's screens (the guide's GoRouter routes). */
export const ROUTES = {
  signIn: "/signin",
  signUp: "/signup",
  paywall: "/paywall",
  setup: "/setup",
  dashboard: "/dashboard",
  chat: "/chat",
  whatsapp: "/whatsapp",
  telegram: "/telegram",
  browser: "/browser",
  settings: "/settings",
} as const;

/** Settings scrolled to "Assistant's model": where the dashboard and the chat send a user without a model. */
export const MODEL_SETTINGS_ID = "model";
export const MODEL_SETTINGS_LINK = `${ROUTES.settings}#${MODEL_SETTINGS_ID}`;

export type RoutePath = (typeof ROUTES)[keyof typeof ROUTES];

const KNOWN = new Set<string>(Object.values(ROUTES));
export const PUBLIC_ROUTES = new Set<string>([ROUTES.signIn, ROUTES.signUp]);
/** Reachable without an entitlement, so a user at the paywall can still sign out or switch language. */
export const NO_ENTITLEMENT_ROUTES = new Set<string>([ROUTES.paywall, ROUTES.settings]);

export function isKnownRoute(path: string): path is RoutePath {
  return KNOWN.has(path);
}
