import type { ButtonHTMLAttributes, InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from "react";
import type { InstancePhase } from "../api/models.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { Link, usePath } from "../router/router.tsx";
import { ROUTES } from "../router/routes.ts";

export function Button({ variant = "primary", className, ...rest }: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: "primary" | "secondary" | "danger" | "ghost" }) {
  return <button type="button" className={`btn btn-${variant} ${className ?? ""}`} {...rest} />;
}

export function Field({ label, hint, error, ...rest }: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: string; error?: string | null }) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      <input className="input" {...rest} aria-invalid={error ? true : undefined} />
      {error ? <span className="field-error">{error}</span> : hint ? <span className="field-hint">{hint}</span> : null}
    </label>
  );
}

/** A labelled <select>; options come as [value, visible label] pairs. */
export function SelectField({ label, options, ...rest }: SelectHTMLAttributes<HTMLSelectElement> & { label: string; options: readonly (readonly [string, string])[] }) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      <select className="input" {...rest}>
        {options.map(([value, text]) => (
          <option key={value} value={value}>{text}</option>
        ))}
      </select>
    </label>
  );
}

export function Card({ title, children, testId, action, id }: { title?: string; children: ReactNode; testId?: string; action?: ReactNode; id?: string }) {
  return (
    <section className="card" data-testid={testId} id={id}>
      {title || action ? (
        <header className="card-head">
          {title ? <h2 className="card-title">{title}</h2> : null}
          {action}
        </header>
      ) : null}
      {children}
    </section>
  );
}

export function ErrorText({ children, testId = "error" }: { children: ReactNode; testId?: string }) {
  if (!children) return null;
  return (
    <p className="error" role="alert" data-testid={testId}>
      {children}
    </p>
  );
}

export function Spinner({ label }: { label: string }) {
  return (
    <div className="spinner-row" role="status">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

/** The guide's phase texts, with a colored dot. */
export function PhaseBadge({ phase, message }: { phase: InstancePhase; message?: string }) {
  const { t } = useI18n();
  const text = phase === "error" ? t("phase.error", { message: message ?? "" }) : t(`phase.${phase}`);
  return (
    <span className={`phase phase-${phase}`} data-testid="phase" data-phase={phase}>
      <span className="dot" aria-hidden="true" />
      {text}
    </span>
  );
}

/** Page frame: title bar and, for signed-in screens, the bottom navigation (a side rail on wide screens). */
export function Screen({ title, children, nav = true, back }: { title: string; children: ReactNode; nav?: boolean; back?: string }) {
  const { t } = useI18n();
  const path = usePath();
  return (
    <div className={`screen ${nav ? "with-nav" : ""}`}>
      <header className="topbar">
        {back ? (
          <Link to={back} className="back" testId="back">
            ‹ {t("common.back")}
          </Link>
        ) : (
          <span className="brand">{t("app.name")}</span>
        )}
        <h1 className="title">{title}</h1>
      </header>
      <main className="content">{children}</main>
      {nav ? (
        <nav className="tabbar" aria-label={t("nav.main")}>
          {([
            [ROUTES.dashboard, "nav.dashboard", "⌂"],
            [ROUTES.chat, "nav.chat", "✉"],
            [ROUTES.browser, "nav.browser", "▣"],
            [ROUTES.settings, "nav.settings", "⚙"],
          ] as const).map(([to, key, icon]) => (
            <Link key={to} to={to} className={`tab ${path === to ? "active" : ""}`} testId={`nav-${to.slice(1)}`}>
              <span className="tab-icon" aria-hidden="true">{icon}</span>
              <span>{t(key)}</span>
            </Link>
          ))}
        </nav>
      ) : null}
    </div>
  );
}
