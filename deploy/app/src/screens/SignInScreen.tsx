import { useEffect, useRef, useState, type FormEvent } from "react";
import { mountGoogleButton, signInWithApple } from "../auth/social.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { Link } from "../router/router.tsx";
import { ROUTES } from "../router/routes.ts";
import { useSession } from "../session/context.tsx";
import { Button, ErrorText, Field, Screen } from "../ui/components.tsx";
import { useAction } from "../ui/use-action.ts";

export function SignInScreen() {
  const { t } = useI18n();
  const { session, state } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const login = useAction(() => session.signIn(email.trim(), password));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void login.run();
  };
  return (
    <Screen title={t("auth.signInTitle")} nav={false}>
      <p className="lead">{t("app.tagline")}</p>
      {state.expired ? <p className="notice" data-testid="session-expired">{t("auth.sessionExpired")}</p> : null}
      <form className="stack" onSubmit={submit} data-testid="signin-form">
        <Field label={t("auth.email")} type="email" name="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Field label={t("auth.password")} type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <ErrorText>{login.error}</ErrorText>
        <Button type="submit" disabled={login.busy} data-testid="signin-submit">
          {login.busy ? t("auth.signingIn") : t("auth.signIn")}
        </Button>
      </form>
      <SocialButtons onError={login.setError} />
      <Link to={ROUTES.signUp} className="link center" testId="to-signup">
        {t("auth.noAccount")}
      </Link>
    </Screen>
  );
}

/** Google and Apple buttons: live when the server has client ids, otherwise disabled with the reason. */
export function SocialButtons({ onError }: { onError: (message: string | null) => void }) {
  const { t } = useI18n();
  const { session, config } = useSession();
  const googleRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = googleRef.current;
    if (!config.googleClientId || !el) return;
    mountGoogleButton(el, config.googleClientId, (idToken) => {
      session.signInWithGoogle(idToken).catch((err: Error) => onError(t("common.error", { message: err.message })));
    }).catch((err: Error) => onError(t("common.error", { message: err.message })));
  }, [config.googleClientId, session, onError, t]);
  const apple = async () => {
    try {
      const { idToken, nonce, name } = await signInWithApple(config.appleClientId!);
      await session.signInWithApple(idToken, nonce, name);
    } catch (err) {
      onError(t("common.error", { message: (err as Error).message }));
    }
  };
  return (
    <div className="stack social">
      <div className="divider"><span>{t("auth.or")}</span></div>
      {config.googleClientId ? (
        <div ref={googleRef} className="google-slot" data-testid="google-button" />
      ) : (
        <div>
          <Button variant="secondary" disabled data-testid="google-button">{t("auth.google")}</Button>
          <p className="hint">{t("auth.googleNotConfigured")}</p>
        </div>
      )}
      <div>
        <Button variant="secondary" disabled={!config.appleClientId} onClick={() => void apple()} data-testid="apple-button">
          {t("auth.apple")}
        </Button>
        {config.appleClientId ? null : <p className="hint">{t("auth.appleNotConfigured")}</p>}
      </div>
    </div>
  );
}
