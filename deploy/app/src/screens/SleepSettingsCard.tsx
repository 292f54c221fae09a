import { useState } from "react";
import { useI18n } from "../i18n/i18n.tsx";
import { useSession } from "../session/context.tsx";
import { Card, ErrorText } from "../ui/components.tsx";
import { useAction } from "../ui/use-action.ts";

/**
 * What sleeping means for this assistant, said plainly, with the one choice the user has:
 * whether it may sleep with WhatsApp linked (WhatsApp cannot wake it; its connection lives in
 * the assistant). Shown only once there is an assistant.
 */
export function SleepSettingsCard() {
  const { t } = useI18n();
  const { session, state } = useSession();
  const instance = state.instance;
  // The box shows the choice at once; the saved value takes over when the save returns (or fails).
  const [choice, setChoice] = useState<boolean | null>(null);
  const save = useAction(async (on: boolean) => {
    setChoice(on);
    try {
      if (instance) session.setInstance(await session.api.setSleepSettings(instance.id, on));
    } finally {
      setChoice(null);
    }
  });
  if (!instance) return null;
  const on = choice ?? instance.sleepPolicy?.sleepWithWhatsApp === true;
  return (
    <Card title={t("settings.sleep")} testId="sleep-settings">
      <p>{t("settings.sleepExplain")}</p>
      <p className="notice" data-testid="sleep-whatsapp-explain">{t("settings.sleepWhatsApp")}</p>
      <label className="check">
        <input type="checkbox" checked={on} disabled={save.busy} onChange={(e) => void save.run(e.target.checked)} data-testid="sleep-with-whatsapp" />
        {t("settings.sleepWithWhatsApp")}
      </label>
      <ErrorText>{save.error}</ErrorText>
    </Card>
  );
}
