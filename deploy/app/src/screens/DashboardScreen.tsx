import { useEffect, useState } from "react";
import type { Instance } from "../api/models.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { ModelNotice } from "../model/ModelNotice.tsx";
import { Link, navigate } from "../router/router.tsx";
import { ROUTES } from "../router/routes.ts";
import { useSession } from "../session/context.tsx";
import { Button, Card, ErrorText, PhaseBadge, Screen, Spinner } from "../ui/components.tsx";
import { useAction } from "../ui/use-action.ts";
import { usePoll } from "../ui/use-poll.ts";

interface Channels {
  whatsapp: boolean | null;
  telegram: boolean | null;
}

export function DashboardScreen() {
  const { t, lang } = useI18n();
  const { session, state } = useSession();
  const instance = state.instance;
  const [channels, setChannels] = useState<Channels>({ whatsapp: null, telegram: null });

  usePoll(() => session.refreshInstance(), instance?.phase === "running" || instance?.phase === "sleeping" ? 15_000 : 3_000);
  useEffect(() => {
    if (instance === null) navigate(ROUTES.setup, { replace: true });
  }, [instance]);
  const running = instance?.phase === "running";
  const asleep = instance?.phase === "sleeping";
  const instanceId = instance?.id;
  useEffect(() => {
    if (!running || !instanceId) return;
    let live = true;
    const api = session.api;
    void Promise.allSettled([api.whatsappStatus(instanceId), api.telegramStatus(instanceId)]).then(([wa, tg]) => {
      if (!live) return;
      setChannels({
        whatsapp: wa.status === "fulfilled" ? !!wa.value.connected : false,
        telegram: tg.status === "fulfilled" ? !!(tg.value.running || tg.value.configured) : false,
      });
    });
    return () => {
      live = false;
    };
  }, [running, instanceId, session]);

  const restart = useAction(async (inst: Instance) => {
    session.setInstance(await session.api.restartInstance(inst.id));
    navigate(ROUTES.setup);
  });
  const remove = useAction(async (inst: Instance) => {
    if (!window.confirm(t("dashboard.deleteConfirm"))) return;
    await session.api.deleteInstance(inst.id);
    session.setInstance(null);
  });

  if (!instance) return <Screen title={t("dashboard.title")}><Spinner label={t("common.loading")} /></Screen>;
  return (
    <Screen title={t("dashboard.title")}>
      <Card title={t("dashboard.status")} testId="status-card">
        <PhaseBadge phase={instance.phase} message={instance.message} />
        {instance.phase === "sleeping" ? <p className="hint" data-testid="asleep-hint">{t("dashboard.asleepHint")}</p> : null}
        {instance.isolated === false ? <p className="notice" data-testid="not-isolated">{t("dashboard.notIsolated")}</p> : null}
        {instance.createdAt ? (
          <p className="hint">{t("dashboard.createdAt", { date: new Date(instance.createdAt).toLocaleString(lang) })}</p>
        ) : null}
      </Card>
      <ModelNotice />
      <Card title={t("dashboard.channels")} testId="channels-card">
        {/* Asleep, the channels are not asked (that would wake it); opening one wakes it. */}
        <ChannelRow name={t("dashboard.whatsapp")} connected={channels.whatsapp} asleep={asleep} to={ROUTES.whatsapp} enabled={running || asleep} testId="channel-whatsapp" />
        <ChannelRow name={t("dashboard.telegram")} connected={channels.telegram} asleep={asleep} to={ROUTES.telegram} enabled={running || asleep} testId="channel-telegram" />
      </Card>
      <Card title={t("dashboard.liveBrowser")}>
        <Link to={ROUTES.browser} className="btn btn-secondary" testId="open-browser">{t("dashboard.openBrowser")}</Link>
      </Card>
      <ErrorText>{restart.error ?? remove.error}</ErrorText>
      <div className="row">
        <Button variant="secondary" onClick={() => void restart.run(instance)} disabled={restart.busy || remove.busy} data-testid="restart-instance">
          {restart.busy ? t("dashboard.restarting") : t("dashboard.restart")}
        </Button>
        <Button variant="danger" onClick={() => void remove.run(instance)} disabled={restart.busy || remove.busy} data-testid="delete-instance">
          {remove.busy ? t("dashboard.deleting") : t("dashboard.delete")}
        </Button>
      </div>
    </Screen>
  );
}

function ChannelRow(props: { name: string; connected: boolean | null; asleep: boolean; to: string; enabled: boolean; testId: string }) {
  const { t } = useI18n();
  return (
    <div className="channel" data-testid={props.testId}>
      <span className="channel-name">{props.name}</span>
      <span className={props.connected ? "ok" : "muted"}>
        {props.connected === null ? (props.asleep ? t("dashboard.channelsAsleep") : t("common.loading")) : props.connected ? t("dashboard.connected") : t("dashboard.notConnected")}
      </span>
      {props.enabled ? (
        <Link to={props.to} className="btn btn-small">{props.connected ? t("dashboard.manage") : t("dashboard.connect")}</Link>
      ) : null}
    </div>
  );
}
