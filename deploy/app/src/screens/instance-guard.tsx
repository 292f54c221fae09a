import type { ReactNode } from "react";
import type { Instance } from "../api/models.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { Link } from "../router/router.tsx";
import { ROUTES } from "../router/routes.ts";
import { useSession } from "../session/context.tsx";
import { Card, PhaseBadge, Screen, Spinner } from "../ui/components.tsx";
import { usePoll } from "../ui/use-poll.ts";

/** Renders `children(instance)` once the user's instance is running; otherwise its state. */
export function WithRunningInstance({ title, children }: { title: string; children: (instance: Instance) => ReactNode }) {
  const { t } = useI18n();
  const { session, state } = useSession();
  const instance = state.instance;
  usePoll(() => session.refreshInstance(), 3000, instance?.phase !== "running");
  if (instance === undefined) return <Screen title={title} back={ROUTES.dashboard}><Spinner label={t("common.loading")} /></Screen>;
  if (instance === null || instance.phase !== "running") {
    return (
      <Screen title={title} back={ROUTES.dashboard}>
        <Card>
          {instance ? <PhaseBadge phase={instance.phase} message={instance.message} /> : null}
          <Link to={instance ? ROUTES.dashboard : ROUTES.setup} className="btn btn-secondary">{instance ? t("nav.dashboard") : t("setup.create")}</Link>
        </Card>
      </Screen>
    );
  }
  return <>{children(instance)}</>;
}
