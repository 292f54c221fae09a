import { useEffect, useRef, useState } from "react";
import type { Instance } from "../api/models.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { ROUTES } from "../router/routes.ts";
import { useSession } from "../session/context.tsx";
import { errorText } from "../ui/errors.ts";
import { Button, ErrorText, Screen, Spinner } from "../ui/components.tsx";
import { WithRunningInstance } from "./instance-guard.tsx";

type VncState = "connecting" | "connected" | "disconnected";

export function BrowserScreen() {
  const { t } = useI18n();
  return <WithRunningInstance title={t("browser.title")}>{(instance) => <LiveBrowser instance={instance} />}</WithRunningInstance>;
}

/**
 * noVNC canvas on the App API's VNC WebSocket. The app asks for a 60-second ticket for this
 * one instance and opens the socket with it, so no Manager key ever reaches the browser.
 * noVNC loads on demand: it is not part of the initial bundle.
 */
function LiveBrowser({ instance }: { instance: Instance }) {
  const { t } = useI18n();
  const { session } = useSession();
  const screenRef = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<VncState>("connecting");
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const unavailable = instance.vnc && !instance.vnc.available ? instance.vnc.reason ?? "" : null;

  useEffect(() => {
    if (unavailable !== null || !screenRef.current) return;
    const target = screenRef.current;
    let rfb: { disconnect(): void } | null = null;
    let cancelled = false;
    setState("connecting");
    setError(null);
    (async () => {
      const [{ default: RFB }, ticket] = await Promise.all([import("@novnc/novnc"), session.api.vncTicket(instance.id)]);
      if (cancelled) return;
      const client = new RFB(target, session.api.vncSocketUrl(ticket, location.origin), { shared: true });
      client.scaleViewport = true;
      client.background = "#0b0d10";
      client.addEventListener("connect", () => setState("connected"));
      client.addEventListener("disconnect", () => setState("disconnected"));
      rfb = client;
    })().catch((err) => {
      if (cancelled) return;
      setState("disconnected");
      setError(errorText(err, t));
    });
    return () => {
      cancelled = true;
      rfb?.disconnect();
      target.replaceChildren();
    };
  }, [instance.id, session, attempt, unavailable, t]);

  return (
    <Screen title={t("browser.title")} back={ROUTES.dashboard}>
      {unavailable !== null ? (
        <p className="error" data-testid="vnc-unavailable">{t("browser.unavailable", { message: unavailable })}</p>
      ) : (
        <>
          <div className="vnc-status" data-testid="vnc-state" data-state={state}>
            {state === "connecting" ? <Spinner label={t("browser.connecting")} /> : null}
            {state === "connected" ? <span className="phase phase-running"><span className="dot" />{t("browser.connected")}</span> : null}
            {state === "disconnected" ? (
              <>
                <span className="muted">{t("browser.disconnected")}</span>
                <Button variant="ghost" onClick={() => setAttempt((n) => n + 1)} data-testid="vnc-reconnect">{t("browser.reconnect")}</Button>
              </>
            ) : null}
          </div>
          <ErrorText>{error}</ErrorText>
          <div className="vnc-screen" ref={screenRef} data-testid="vnc-screen" />
        </>
      )}
    </Screen>
  );
}
