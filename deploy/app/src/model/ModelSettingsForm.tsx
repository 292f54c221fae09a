import { useState, type FormEvent } from "react";
import type { ModelProvider, ModelView } from "../api/models.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { useSession } from "../session/context.tsx";
import { Button, ErrorText, Field, SelectField } from "../ui/components.tsx";
import { useAction } from "../ui/use-action.ts";
import { checkForm, fieldProblemOf, formFromView, keepsSavedKey, toSettings, type FieldProblem, type ModelField, type ModelForm } from "./model-form.ts";
import { BASE_URL_EXAMPLE, MODEL_SUGGESTIONS, needsApiKey, needsBaseUrl, PROVIDERS } from "./providers.ts";

const SUGGESTIONS_ID = "model-suggestions";

/**
 * Provider, endpoint, model and key. The key field is write-only: a saved key is never shown,
 * only "key saved", and an empty field keeps it. Saving restarts the assistant with the model,
 * so the button says so while it runs.
 */
export function ModelSettingsForm({ view, onChanged }: { view: ModelView | null; onChanged: (view: ModelView | null) => void }) {
  const { t } = useI18n();
  const { session } = useSession();
  const [form, setForm] = useState<ModelForm>(() => formFromView(view));
  const [problem, setProblem] = useState<FieldProblem | null>(null);
  const [savedModel, setSavedModel] = useState<string | null>(null);

  const set = (field: ModelField, value: string) => {
    setForm((f) => ({ ...f, [field]: value }));
    setSavedModel(null);
    if (problem?.field === field) setProblem(null);
  };
  const save = useAction(async () => {
    const local = checkForm(form, view);
    setProblem(local);
    if (local) return;
    try {
      const saved = await session.api.setModel(toSettings(form));
      setForm((f) => ({ ...f, apiKey: "" }));
      setSavedModel(saved.model);
      onChanged(saved);
      // The assistant restarts with the new model: let every screen see it is not running for now.
      void session.refreshInstance().catch(() => undefined);
    } catch (err) {
      setProblem(fieldProblemOf(err));
      throw err;
    }
  });
  const remove = useAction(async () => {
    if (!window.confirm(t("model.removeConfirm"))) return;
    await session.api.clearModel();
    const now = await session.api.getModel();
    setForm(formFromView(now));
    setSavedModel(null);
    onChanged(now);
    void session.refreshInstance().catch(() => undefined);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save.run();
  };
  const errorFor = (field: ModelField) => (problem?.field === field ? t(`model.invalid.${field}`) : null);
  const keySaved = keepsSavedKey(view, form);
  const busy = save.busy || remove.busy;

  return (
    <form className="stack" onSubmit={submit} data-testid="model-form" noValidate>
      <SelectField
        label={t("model.provider")}
        name="provider"
        value={form.provider}
        onChange={(e) => set("provider", e.target.value as ModelProvider)}
        options={PROVIDERS.map((p) => [p, t(`model.provider.${p}`)] as const)}
      />
      {needsBaseUrl(form.provider) ? (
        <Field label={t("model.baseUrl")} name="baseUrl" type="url" inputMode="url" autoComplete="off" spellCheck={false} placeholder={BASE_URL_EXAMPLE} value={form.baseUrl} onChange={(e) => set("baseUrl", e.target.value)} hint={t("model.baseUrlHint", { example: BASE_URL_EXAMPLE })} error={errorFor("baseUrl")} />
      ) : null}
      <Field label={t("model.model")} name="model" list={SUGGESTIONS_ID} autoComplete="off" autoCapitalize="none" spellCheck={false} value={form.model} onChange={(e) => set("model", e.target.value)} hint={t("model.modelHint")} error={errorFor("model")} />
      <datalist id={SUGGESTIONS_ID}>
        {MODEL_SUGGESTIONS[form.provider].map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
      <Field
        label={t("model.apiKey")}
        name="apiKey"
        type="password"
        autoComplete="off"
        spellCheck={false}
        value={form.apiKey}
        onChange={(e) => set("apiKey", e.target.value)}
        hint={keySaved ? undefined : needsApiKey(form.provider) ? t("model.apiKeyHint") : t("model.apiKeyOptional")}
        error={errorFor("apiKey")}
      />
      {keySaved ? <p className="ok" data-testid="model-key-saved">{t("model.keySaved")}</p> : null}
      <ErrorText>{save.error ?? remove.error}</ErrorText>
      {savedModel ? <p className="ok" role="status" data-testid="model-saved">{t("model.saved", { model: savedModel })}</p> : null}
      <Button type="submit" disabled={busy} data-testid="model-save">{save.busy ? t("model.saving") : t("model.save")}</Button>
      {view?.source === "user" ? (
        <Button variant="ghost" onClick={() => void remove.run()} disabled={busy} data-testid="model-remove">{remove.busy ? t("model.removing") : t("model.remove")}</Button>
      ) : null}
    </form>
  );
}
