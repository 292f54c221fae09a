import { useRef, type ReactNode } from "react";
import type { Instance } from "../api/models.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { Link } from "../router/router.tsx";
import { ROUTES } from "../router/routes.ts";
import { useSession } from "../session/context.tsx";
import { Card, PhaseBadge, Screen, Spinner } from "../ui/components.tsx";
import { usePoll } from "../ui/use-poll.ts";

/**
 * Renders `children(instance)` once the user's instance is running, or asleep (whatever the
 * screen asks of it wakes it, and the screen stays while it wakes); otherwise its state, with
 * `notRunning` saying what that means on this screen. `back: null` for screens in the navigation.
 */
export function WithRunningInstance({ title, children, notRunning, back = ROUTES.dashboard }: { title: string; children: (instance: Instance) => ReactNode; notRunning?: string; back?: string | null }) {
  const { t } = useI18n();
  const { session, state } = useSession();
  const instance = state.instance;
  usePoll(() => session.refreshInstance(), 3000, instance?.phase !== "running");
  const waking = useRef(false);
  if (instance?.phase === "sleeping") waking.current = true;
  else if (instance?.phase !== "pending" && instance?.phase !== "starting") waking.current = false;
  const usable = instance?.phase === "running" || waking.current;
  if (instance === undefined) return <Screen title={title} back={back ?? undefined}><Spinner label={t("common.loading")} /></Screen>;
  if (instance === null || !usable) {
    return (
      <Screen title={title} back={back ?? undefined}>
        <Card testId="not-running">
          {notRunning ? <p className="notice">{notRunning}</p> : null}
          {instance ? <PhaseBadge phase={instance.phase} message={instance.message} /> : null}
          <Link to={instance ? ROUTES.dashboard : ROUTES.setup} className="btn btn-secondary">{instance ? t("nav.dashboard") : t("setup.create")}</Link>
        </Card>
      </Screen>
    );
  }
  return <>{children(instance)}</>;
}
