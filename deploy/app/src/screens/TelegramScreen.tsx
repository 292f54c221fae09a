import { useCallback, useState, type FormEvent } from "react";
import type { Instance, PairingRequest, TelegramStatus } from "../api/models.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { ROUTES } from "../router/routes.ts";
import { useSession } from "../session/context.tsx";
import { Button, Card, ErrorText, Field, Screen } from "../ui/components.tsx";
import { useAction } from "../ui/use-action.ts";
import { usePoll } from "../ui/use-poll.ts";
import { pairingSender } from "../channels/pairing.ts";
import { isTelegramBotToken } from "@clawbox/shared/contract/telegram-token";
import { WithRunningInstance } from "./instance-guard.tsx";


export function TelegramScreen() {
  const { t } = useI18n();
  return <WithRunningInstance title={t("telegram.title")}>{(instance) => <TelegramConnect instance={instance} />}</WithRunningInstance>;
}

function TelegramConnect({ instance }: { instance: Instance }) {
  const { t } = useI18n();
  const { session } = useSession();
  const api = session.api;
  const [token, setToken] = useState("");
  const [tokenError, setTokenError] = useState<string | null>(null);
  const [status, setStatus] = useState<Pick<TelegramStatus, "configured" | "running"> | null>(null);
  const [requests, setRequests] = useState<PairingRequest[] | null>(null);
  const [approved, setApproved] = useState<string | null>(null);

  const load = useCallback(async () => {
    const [s, list] = await Promise.allSettled([api.telegramStatus(instance.id), api.pairingList(instance.id, "telegram")]);
    // Until a bot is set up the gateway has no telegram channel and answers both with an error.
    const current = s.status === "fulfilled" ? s.value : { configured: false, running: false };
    setStatus(current);
    if (list.status === "fulfilled") setRequests(list.value);
    else if (!current.configured) setRequests([]);
    else throw list.reason;
  }, [api, instance.id]);
  const refresh = useAction(load);
  usePoll(load, 5000);

  const save = useAction(async () => {
    await api.telegramSetup(instance.id, token.trim());
    setToken("");
    await load();
  });
  const approve = useAction(async (request: PairingRequest) => {
    await api.pairingApprove(instance.id, request.code, "telegram");
    setApproved(pairingSender(request) ?? t("telegram.unknownSender"));
    await load();
  });
  const logout = useAction(async () => {
    await api.telegramLogout(instance.id);
    await load();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!isTelegramBotToken(token.trim())) return setTokenError(t("telegram.tokenInvalid"));
    setTokenError(null);
    void save.run();
  };
  const configured = !!status?.configured;

  return (
    <Screen title={t("telegram.title")} back={ROUTES.dashboard}>
      <Card title={t("telegram.status")} testId="telegram-status">
        <p className={status?.running ? "ok" : "muted"} data-testid="telegram-state" data-running={status?.running ? "true" : "false"}>
          {status === null ? t("common.loading") : status.running ? t("telegram.running") : configured ? t("telegram.configured") : t("telegram.notConfigured")}
        </p>
        {configured ? (
          <Button variant="ghost" onClick={() => void logout.run()} disabled={logout.busy} data-testid="telegram-logout">{t("telegram.logout")}</Button>
        ) : null}
      </Card>
      <form className="stack" onSubmit={submit} data-testid="telegram-form">
        <p className="hint">{t("telegram.step1")}</p>
        <Field label={t("telegram.token")} name="botToken" autoComplete="off" spellCheck={false} value={token} onChange={(e) => setToken(e.target.value)} hint={t("telegram.tokenHint")} error={tokenError} />
        <ErrorText>{save.error ?? logout.error}</ErrorText>
        <Button type="submit" disabled={save.busy} data-testid="telegram-save">{save.busy ? t("telegram.saving") : t("telegram.save")}</Button>
      </form>
      <Card title={t("telegram.pairingTitle")} testId="pairing" action={<Button variant="ghost" onClick={() => void refresh.run()} data-testid="pairing-refresh">{t("telegram.refresh")}</Button>}>
        <p className="hint">{t("telegram.pairingHelp")}</p>
        {approved ? <p className="ok" data-testid="pairing-approved">{t("telegram.approved", { name: approved })}</p> : null}
        {requests === null ? null : requests.length === 0 ? (
          <p className="muted" data-testid="pairing-empty">{t("telegram.noRequests")}</p>
        ) : (
          <ul className="list" data-testid="pairing-list">
            {requests.map((r) => (
              <PairingRow key={r.code} request={r} onApprove={() => void approve.run(r)} busy={approve.busy} />
            ))}
          </ul>
        )}
        <ErrorText>{refresh.error ?? approve.error}</ErrorText>
      </Card>
    </Screen>
  );
}

function PairingRow({ request, onApprove, busy }: { request: PairingRequest; onApprove: () => void; busy: boolean }) {
  const { t } = useI18n();
  // The request's code is the gateway's internal id, not the code the sender was shown: the owner
  // recognises the request by who sent it.
  const sender = pairingSender(request) ?? t("telegram.unknownSender");
  return (
    <li className="channel" data-testid="pairing-request">
      <span data-testid="pairing-sender">{t("telegram.requestFrom", { name: sender })}</span>
      <Button className="btn-small" onClick={onApprove} disabled={busy} data-testid="pairing-approve">{t("telegram.approve")}</Button>
    </li>
  );
}
