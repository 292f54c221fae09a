import { useEffect, useState, type ComponentType } from "react";
import { useI18n } from "./i18n/i18n.tsx";
import { redirectFor } from "./router/guards.ts";
import { navigate, usePath } from "./router/router.tsx";
import { ROUTES, type RoutePath } from "./router/routes.ts";
import { BrowserScreen } from "./screens/BrowserScreen.tsx";
import { ChatScreen } from "./screens/ChatScreen.tsx";
import { DashboardScreen } from "./screens/DashboardScreen.tsx";
import { PaywallScreen } from "./screens/PaywallScreen.tsx";
import { SettingsScreen } from "./screens/SettingsScreen.tsx";
import { SetupScreen } from "./screens/SetupScreen.tsx";
import { SignInScreen } from "./screens/SignInScreen.tsx";
import { SignUpScreen } from "./screens/SignUpScreen.tsx";
import { TelegramScreen } from "./screens/TelegramScreen.tsx";
import { WhatsAppScreen } from "./screens/WhatsAppScreen.tsx";
import { useSession } from "./session/context.tsx";
import { errorText } from "./ui/errors.ts";
import { Button, ErrorText, Screen, Spinner } from "./ui/components.tsx";

const SCREENS: Record<RoutePath, ComponentType> = {
  [ROUTES.signIn]: SignInScreen,
  [ROUTES.signUp]: SignUpScreen,
  [ROUTES.paywall]: PaywallScreen,
  [ROUTES.setup]: SetupScreen,
  [ROUTES.dashboard]: DashboardScreen,
  [ROUTES.chat]: ChatScreen,
  [ROUTES.whatsapp]: WhatsAppScreen,
  [ROUTES.telegram]: TelegramScreen,
  [ROUTES.browser]: BrowserScreen,
  [ROUTES.settings]: SettingsScreen,
};

/** Applies the route guards on every navigation and state change, then shows the screen. */
export function App() {
  const { t } = useI18n();
  const { session, state } = useSession();
  const path = usePath();
  const [loadError, setLoadError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  // Signed in (stored tokens or fresh login) but profile/subscription not loaded yet.
  const needsLoad = state.signedIn && state.subscription === null;
  useEffect(() => {
    if (!needsLoad) return;
    setLoadError(null);
    session.load().catch((err) => setLoadError(errorText(err, t)));
  }, [needsLoad, session, attempt, t]);

  const redirect = redirectFor(path, { signedIn: state.signedIn, subscription: state.subscription });
  useEffect(() => {
    if (redirect) navigate(redirect, { replace: true });
  }, [redirect]);

  if (redirect) return null;
  if (needsLoad) {
    return (
      <Screen title={t("app.name")} nav={false}>
        {loadError ? (
          <>
            <ErrorText>{loadError}</ErrorText>
            <Button onClick={() => setAttempt((n) => n + 1)}>{t("common.retry")}</Button>
          </>
        ) : (
          <Spinner label={t("common.loading")} />
        )}
      </Screen>
    );
  }
  const ScreenComponent = SCREENS[path as RoutePath];
  return <ScreenComponent key={path} />;
}
