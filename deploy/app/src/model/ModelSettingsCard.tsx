import { useEffect, useRef } from "react";
import { useI18n } from "../i18n/i18n.tsx";
import { MODEL_SETTINGS_ID } from "../router/routes.ts";
import { errorText } from "../ui/errors.ts";
import { Button, Card, ErrorText, Spinner } from "../ui/components.tsx";
import { ModelSettingsForm } from "./ModelSettingsForm.tsx";
import { ModelStatus } from "./ModelStatus.tsx";
import { useModelView } from "./use-model-view.ts";

/** Settings > Assistant's model. The dashboard and the chat link here (`/settings#model`). */
export function ModelSettingsCard() {
  const { t } = useI18n();
  const { view, error, setView, reload } = useModelView();
  const ref = useRef<HTMLDivElement>(null);
  const loaded = view !== undefined;
  useEffect(() => {
    // Scroll once the section has its full height, so the form is what the user lands on.
    if (loaded && window.location.hash === `#${MODEL_SETTINGS_ID}`) ref.current?.scrollIntoView({ block: "start" });
  }, [loaded]);

  return (
    <div ref={ref} id={MODEL_SETTINGS_ID} className="anchor">
      <Card title={t("model.title")} testId="model-settings">
        <p className="hint">{t("model.intro")}</p>
        {error ? (
          <>
            <ErrorText>{errorText(error, t)}</ErrorText>
            <Button variant="secondary" onClick={() => void reload()}>{t("common.retry")}</Button>
          </>
        ) : view === undefined ? (
          <Spinner label={t("common.loading")} />
        ) : (
          <>
            <ModelStatus view={view} />
            <ModelSettingsForm view={view} onChanged={setView} />
          </>
        )}
      </Card>
    </div>
  );
}
