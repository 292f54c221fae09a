import { useI18n } from "../i18n/i18n.tsx";
import { navigate } from "../router/router.tsx";
import { ROUTES } from "../router/routes.ts";
import { useSession } from "../session/context.tsx";
import { Button, Card, ErrorText, PhaseBadge, Screen, Spinner } from "../ui/components.tsx";
import { useAction } from "../ui/use-action.ts";
import { usePoll } from "../ui/use-poll.ts";
import type { InstancePhase } from "../api/models.ts";

const STEPS: InstancePhase[] = ["pending", "starting", "running"];

/** Create the instance, then show its phase (pending -> starting -> running) until it runs. */
export function SetupScreen() {
  const { t } = useI18n();
  const { session, state } = useSession();
  const instance = state.instance;
  const create = useAction(async () => {
    session.setInstance(await session.api.createInstance());
  });
  usePoll(() => session.refreshInstance(), 2000, instance === undefined || (!!instance && instance.phase !== "running"));

  if (instance === undefined) return <Screen title={t("setup.title")} nav={false}><Spinner label={t("common.loading")} /></Screen>;
  if (instance === null) {
    return (
      <Screen title={t("setup.title")} nav={false}>
        <p className="lead">{t("setup.body")}</p>
        <ErrorText>{create.error}</ErrorText>
        <Button onClick={() => void create.run()} disabled={create.busy} data-testid="create-instance">
          {create.busy ? t("setup.creating") : t("setup.create")}
        </Button>
      </Screen>
    );
  }
  const reached = STEPS.indexOf(instance.phase);
  return (
    <Screen title={t("setup.progressTitle")} nav={false}>
      <Card testId="provisioning">
        <PhaseBadge phase={instance.phase} message={instance.message} />
        <ol className="steps">
          {STEPS.map((step, i) => (
            <li key={step} className={i < reached || instance.phase === "running" ? "done" : i === reached ? "current" : ""}>
              {t(`phase.${step}`)}
            </li>
          ))}
        </ol>
        {instance.phase === "running" ? null : <div className="progress" aria-hidden="true"><span /></div>}
      </Card>
      {instance.phase === "running" ? (
        <Button onClick={() => navigate(ROUTES.dashboard)} data-testid="open-dashboard">{t("setup.done")}</Button>
      ) : null}
    </Screen>
  );
}
