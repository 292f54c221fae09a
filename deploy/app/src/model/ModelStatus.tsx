import type { ModelView } from "../api/models.ts";
import { useI18n } from "../i18n/i18n.tsx";

/** What the assistant answers with now, and whose model that is. */
export function ModelStatus({ view }: { view: ModelView | null }) {
  const { t } = useI18n();
  if (!view) return <p className="notice" data-testid="model-none">{t("model.none")}</p>;
  return (
    <div data-testid="model-current" data-source={view.source ?? "user"}>
      <p className="ok">{t("model.current", { model: view.model, provider: t(`model.provider.${view.provider}`) })}</p>
      <p className="hint">{t(`model.source.${view.source ?? "user"}`)}</p>
    </div>
  );
}
