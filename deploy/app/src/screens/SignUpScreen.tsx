import { useState, type FormEvent } from "react";
import { useI18n } from "../i18n/i18n.tsx";
import { Link } from "../router/router.tsx";
import { ROUTES } from "../router/routes.ts";
import { useSession } from "../session/context.tsx";
import { Button, ErrorText, Field, Screen } from "../ui/components.tsx";
import { useAction } from "../ui/use-action.ts";
import { SocialButtons } from "./SignInScreen.tsx";

export function SignUpScreen() {
  const { t } = useI18n();
  const { session } = useSession();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const signup = useAction(() => session.signUp(email.trim(), password, name.trim()));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void signup.run();
  };
  return (
    <Screen title={t("auth.signUpTitle")} nav={false}>
      <p className="lead">{t("app.tagline")}</p>
      <form className="stack" onSubmit={submit} data-testid="signup-form">
        <Field label={t("auth.name")} name="name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
        <Field label={t("auth.email")} type="email" name="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Field label={t("auth.password")} type="password" name="password" autoComplete="new-password" required minLength={8} hint={t("auth.passwordHint")} value={password} onChange={(e) => setPassword(e.target.value)} />
        <ErrorText>{signup.error}</ErrorText>
        <Button type="submit" disabled={signup.busy} data-testid="signup-submit">
          {signup.busy ? t("auth.signingUp") : t("auth.signUp")}
        </Button>
      </form>
      <SocialButtons onError={signup.setError} />
      <Link to={ROUTES.signIn} className="link center" testId="to-signin">
        {t("auth.haveAccount")}
      </Link>
    </Screen>
  );
}
