import { ApiError } from "../api/api-error.ts";
import type { ModelProvider, ModelSettings, ModelView } from "../api/models.ts";
import { needsApiKey, needsBaseUrl } from "./providers.ts";

/** What the Settings form holds: plain strings, as the inputs give them. */
export interface ModelForm {
  provider: ModelProvider;
  model: string;
  apiKey: string;
  baseUrl: string;
}

export type ModelField = keyof ModelForm;
export type FieldProblem = { field: ModelField; rule: string; message?: string };

export function formFromView(view: ModelView | null): ModelForm {
  // Only the user's own settings prefill the form: the operator's or platform's model is a
  // default to replace, not a saved choice with a key the user could keep.
  if (!view || view.source !== "user") return { provider: "openrouter", model: "", apiKey: "", baseUrl: "" };
  return { provider: view.provider, model: view.model, apiKey: "", baseUrl: view.baseUrl ?? "" };
}

/**
 * Whether an empty key field keeps a saved key: the App API keeps it when provider and
 * endpoint are unchanged, so the app says "key saved" exactly then.
 */
export function keepsSavedKey(view: ModelView | null, form: ModelForm): boolean {
  if (!view || view.source !== "user" || !view.hasApiKey) return false;
  return view.provider === form.provider && (view.baseUrl ?? "") === baseUrlOf(form);
}

function baseUrlOf(form: ModelForm): string {
  return needsBaseUrl(form.provider) ? form.baseUrl.trim() : "";
}

/** The PUT body: trimmed, the key only when typed, the base URL only where it belongs. */
export function toSettings(form: ModelForm): ModelSettings {
  const apiKey = form.apiKey.trim();
  const baseUrl = baseUrlOf(form);
  return { provider: form.provider, model: form.model.trim(), ...(apiKey ? { apiKey } : {}), ...(baseUrl ? { baseUrl } : {}) };
}

/** What the form can tell before asking the server; the server's 400 covers the rest. */
export function checkForm(form: ModelForm, view: ModelView | null): FieldProblem | null {
  if (needsBaseUrl(form.provider)) {
    const url = form.baseUrl.trim();
    if (!url) return { field: "baseUrl", rule: "required" };
    if (!/^https?:\/\/\S+$/i.test(url)) return { field: "baseUrl", rule: "http-url" };
  }
  if (!form.model.trim()) return { field: "model", rule: "required" };
  if (/\s/.test(form.model.trim())) return { field: "model", rule: "pattern" };
  if (needsApiKey(form.provider) && !form.apiKey.trim() && !keepsSavedKey(view, form)) return { field: "apiKey", rule: "required" };
  return null;
}

const FIELDS: readonly ModelField[] = ["provider", "model", "apiKey", "baseUrl"];

/** A 400 from the App API names the field; map it onto the form's field, or null. */
export function fieldProblemOf(err: unknown): FieldProblem | null {
  if (!(err instanceof ApiError) || err.status !== 400) return null;
  const field = FIELDS.find((f) => f === err.body.field);
  return field ? { field, rule: err.body.rule ?? "invalid", message: err.body.error } : null;
}
