import type { Subscription } from "../api/models.ts";
import { NO_ENTITLEMENT_ROUTES, PUBLIC_ROUTES, ROUTES, isKnownRoute } from "./routes.ts";

export interface GuardState {
  signedIn: boolean;
  /** null while it is being loaded. */
  subscription: Subscription | null;
}

export function hasEntitlement(sub: Subscription): boolean {
  return !sub.required || sub.active;
}

/**
 * The GoRouter `redirect`: returns where to go instead of `path`, or null to stay.
 * Signed-out users go to sign-in; signed-in users without entitlement go to the paywall;
 * signed-in users on sign-in/sign-up or an unknown path go home.
 */
export function redirectFor(path: string, state: GuardState): string | null {
  const target = isKnownRoute(path) ? path : null;
  if (!state.signedIn) return target && PUBLIC_ROUTES.has(target) ? null : ROUTES.signIn;
  if (!target || PUBLIC_ROUTES.has(target)) return ROUTES.dashboard;
  if (state.subscription === null) return null; // still loading: the screen shows a spinner
  const entitled = hasEntitlement(state.subscription);
  if (!entitled && !NO_ENTITLEMENT_ROUTES.has(target)) return ROUTES.paywall;
  if (entitled && target === ROUTES.paywall && !state.subscription.required) return ROUTES.dashboard;
  return null;
}
