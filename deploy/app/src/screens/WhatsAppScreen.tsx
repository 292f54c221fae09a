import { useState } from "react";
import type { Instance } from "../api/models.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { ROUTES } from "../router/routes.ts";
import { useSession } from "../session/context.tsx";
import { errorText } from "../ui/errors.ts";
import { Button, Card, ErrorText, Screen, Spinner } from "../ui/components.tsx";
import { WithRunningInstance } from "./instance-guard.tsx";

type Step = { kind: "idle" } | { kind: "loading" } | { kind: "qr"; qrDataUrl: string } | { kind: "connected"; message?: string } | { kind: "failed"; message: string };

export function WhatsAppScreen() {
  const { t } = useI18n();
  return <WithRunningInstance title={t("whatsapp.title")}>{(instance) => <WhatsAppConnect instance={instance} />}</WithRunningInstance>;
}

/** QR from qrDataUrl, then block on /whatsapp/wait until the phone links (or show why not). */
function WhatsAppConnect({ instance }: { instance: Instance }) {
  const { t } = useI18n();
  const { session } = useSession();
  const [step, setStep] = useState<Step>({ kind: "idle" });
  const [error, setError] = useState<string | null>(null);

  const start = async () => {
    setError(null);
    setStep({ kind: "loading" });
    try {
      const qr = await session.api.whatsappQr(instance.id);
      if (!qr.qrDataUrl) {
        setStep({ kind: "failed", message: qr.message ?? "" });
        return;
      }
      setStep({ kind: "qr", qrDataUrl: qr.qrDataUrl });
      const result = await session.api.whatsappWait(instance.id, 120_000);
      setStep(result.connected ? { kind: "connected", message: result.message } : { kind: "failed", message: result.message ?? "" });
    } catch (err) {
      setStep({ kind: "idle" });
      setError(errorText(err, t));
    }
  };

  return (
    <Screen title={t("whatsapp.title")} back={ROUTES.dashboard}>
      <Card>
        <ol className="steps plain">
          <li>{t("whatsapp.step1")}</li>
          <li>{t("whatsapp.step2")}</li>
        </ol>
        {step.kind === "loading" ? <Spinner label={t("whatsapp.loadingQr")} /> : null}
        {step.kind === "qr" ? (
          <div className="qr" data-testid="whatsapp-qr">
            <img src={step.qrDataUrl} alt={t("whatsapp.qrAlt")} width={264} height={264} />
            <Spinner label={t("whatsapp.waiting")} />
          </div>
        ) : null}
        {step.kind === "connected" ? <p className="ok" data-testid="whatsapp-connected">{t("whatsapp.connected")}</p> : null}
        {step.kind === "failed" ? <p className="error" data-testid="whatsapp-failed">{t("whatsapp.failed", { message: step.message })}</p> : null}
        <ErrorText>{error}</ErrorText>
      </Card>
      {step.kind === "idle" || step.kind === "failed" ? (
        <Button onClick={() => void start()} data-testid="whatsapp-start">
          {step.kind === "failed" ? t("whatsapp.newQr") : t("whatsapp.getQr")}
        </Button>
      ) : null}
    </Screen>
  );
}
