import { useI18n } from "../i18n/i18n.tsx";
import { Link } from "../router/router.tsx";
import { ROUTES } from "../router/routes.ts";
import { useSession } from "../session/context.tsx";
import { Button, Card, ErrorText, Screen, Spinner } from "../ui/components.tsx";
import { useAction } from "../ui/use-action.ts";

/**
 * Subscription state. Purchases happen in the store apps (RevenueCat); the web app shows
 * the entitlement the App API reports and re-checks it on demand.
 */
export function PaywallScreen() {
  const { t, lang } = useI18n();
  const { session, state } = useSession();
  const check = useAction(() => session.refreshSubscription());
  const sub = state.subscription;
  if (!sub) return <Screen title={t("paywall.title")} nav={false}><Spinner label={t("common.loading")} /></Screen>;
  const status = !sub.required
    ? t("paywall.notRequired")
    : sub.active
      ? sub.expiresAt
        ? t("paywall.active", { date: new Date(sub.expiresAt).toLocaleDateString(lang) })
        : t("paywall.activeNoExpiry")
      : t("paywall.inactive");
  return (
    <Screen title={t("paywall.title")} nav={false}>
      <p className="lead">{t("paywall.body")}</p>
      <ul className="features">
        <li>{t("paywall.feature1")}</li>
        <li>{t("paywall.feature2")}</li>
        <li>{t("paywall.feature3")}</li>
      </ul>
      <Card testId="subscription-state">
        <p className={sub.active ? "ok" : "muted"}>{status}</p>
        {sub.active || !sub.required ? null : <p className="hint">{t("paywall.subscribeInApp")}</p>}
      </Card>
      <ErrorText>{check.error}</ErrorText>
      {sub.active || !sub.required ? (
        <Link to={ROUTES.dashboard} className="btn btn-primary">{t("setup.done")}</Link>
      ) : (
        <Button onClick={() => void check.run()} disabled={check.busy} data-testid="paywall-check">
          {t("paywall.checkAgain")}
        </Button>
      )}
      <Link to={ROUTES.settings} className="link center">{t("nav.settings")}</Link>
    </Screen>
  );
}
