import { useI18n } from "../i18n/i18n.tsx";
import { ModelSettingsCard } from "../model/ModelSettingsCard.tsx";
import { SleepSettingsCard } from "./SleepSettingsCard.tsx";
import { LANGUAGES } from "../i18n/translate.ts";
import { useSession } from "../session/context.tsx";
import { Button, Card, ErrorText, Screen } from "../ui/components.tsx";
import { useAction } from "../ui/use-action.ts";

export function SettingsScreen() {
  const { t, lang, setLang } = useI18n();
  const { session, state } = useSession();
  const signOut = useAction(() => session.signOut());
  const deleteAccount = useAction(async () => {
    if (!window.confirm(t("settings.deleteAccountConfirm"))) return;
    await session.deleteAccount();
  });
  const sub = state.subscription;
  return (
    <Screen title={t("settings.title")}>
      <Card title={t("settings.account")} testId="account">
        <p data-testid="account-email">{state.user?.email ?? ""}</p>
        {state.user?.name ? <p className="muted">{state.user.name}</p> : null}
      </Card>
      <ModelSettingsCard />
      <SleepSettingsCard />
      {sub ? (
        <Card title={t("settings.subscription")}>
          <p className={sub.active ? "ok" : "muted"}>
            {!sub.required ? t("paywall.notRequired") : sub.active ? t("paywall.activeNoExpiry") : t("paywall.inactive")}
          </p>
        </Card>
      ) : null}
      <Card title={t("settings.language")}>
        <div className="segmented" role="radiogroup" aria-label={t("settings.language")}>
          {LANGUAGES.map((l) => (
            <button key={l} type="button" role="radio" aria-checked={lang === l} className={lang === l ? "on" : ""} onClick={() => setLang(l)} data-testid={`lang-${l}`}>
              {t(`lang.${l}`)}
            </button>
          ))}
        </div>
      </Card>
      <ErrorText>{signOut.error ?? deleteAccount.error}</ErrorText>
      <Button variant="secondary" onClick={() => void signOut.run()} disabled={signOut.busy} data-testid="sign-out">{t("settings.signOut")}</Button>
      <Button variant="danger" onClick={() => void deleteAccount.run()} disabled={deleteAccount.busy} data-testid="delete-account">{t("settings.deleteAccount")}</Button>
    </Screen>
  );
}
