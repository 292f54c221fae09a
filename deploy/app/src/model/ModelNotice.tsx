import { useI18n } from "../i18n/i18n.tsx";
import { Link } from "../router/router.tsx";
import { MODEL_SETTINGS_LINK } from "../router/routes.ts";
import { Card } from "../ui/components.tsx";
import { useModelView } from "./use-model-view.ts";

/** On the dashboard: says plainly when the assistant has no model (it can't answer) and where to fix it. */
export function ModelNotice() {
  const { t } = useI18n();
  const { view } = useModelView();
  if (view !== null) return null; // loading, failed (the chat explains it then) or set
  return (
    <Card testId="model-notice">
      <p className="notice">{t("dashboard.noModel")}</p>
      <Link to={MODEL_SETTINGS_LINK} className="btn btn-secondary" testId="choose-model">{t("dashboard.chooseModel")}</Link>
    </Card>
  );
}
