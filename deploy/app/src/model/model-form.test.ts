import { describe, expect, it } from "vitest";
import { ApiError } from "../api/api-error.ts";
import type { ModelView } from "../api/models.ts";
import { checkForm, fieldProblemOf, formFromView, keepsSavedKey, toSettings, type ModelForm } from "./model-form.ts";

const own: ModelView = { provider: "openai-compatible", model: "llama3.2", baseUrl: "http://127.0.0.1:11434/v1", hasApiKey: true, source: "user" };
const form = (patch: Partial<ModelForm> = {}): ModelForm => ({ ...formFromView(own), ...patch });

describe("model settings form", () => {
  it("prefills from the user's own settings, never with a key, and not from a default", () => {
    expect(formFromView(own)).toEqual({ provider: "openai-compatible", model: "llama3.2", apiKey: "", baseUrl: "http://127.0.0.1:11434/v1" });
    expect(formFromView({ provider: "openai", model: "gpt-5.5", hasApiKey: true, source: "operator" })).toEqual({ provider: "openrouter", model: "", apiKey: "", baseUrl: "" });
    expect(formFromView(null).model).toBe("");
  });

  it("keeps the saved key only while provider and endpoint stay the same (as the App API does)", () => {
    expect(keepsSavedKey(own, form())).toBe(true);
    expect(keepsSavedKey(own, form({ model: "qwen3" }))).toBe(true);
    expect(keepsSavedKey(own, form({ baseUrl: "http://10.0.0.5:8000/v1" }))).toBe(false);
    expect(keepsSavedKey(own, form({ provider: "openai" }))).toBe(false);
    expect(keepsSavedKey({ ...own, hasApiKey: false }, form())).toBe(false);
    expect(keepsSavedKey({ ...own, source: "operator" }, form())).toBe(false);
  });

  it("sends trimmed settings, the key only when typed, the base URL only for openai-compatible", () => {
    expect(toSettings(form({ model: " qwen3 ", apiKey: "" }))).toEqual({ provider: "openai-compatible", model: "qwen3", baseUrl: "http://127.0.0.1:11434/v1" });
    expect(toSettings({ provider: "anthropic", model: "claude-opus-5", apiKey: " sk-ant ", baseUrl: "http://left.over/v1" })).toEqual({ provider: "anthropic", model: "claude-opus-5", apiKey: "sk-ant" });
  });

  it("names the field that is missing or malformed before saving", () => {
    expect(checkForm(form(), own)).toBeNull();
    expect(checkForm(form({ baseUrl: "" }), own)).toEqual({ field: "baseUrl", rule: "required" });
    expect(checkForm(form({ baseUrl: "ftp://x" }), own)).toEqual({ field: "baseUrl", rule: "http-url" });
    expect(checkForm(form({ model: " " }), own)).toEqual({ field: "model", rule: "required" });
    expect(checkForm(form({ model: "two words" }), own)).toEqual({ field: "model", rule: "pattern" });
    expect(checkForm({ provider: "openai", model: "gpt-5.5", apiKey: "", baseUrl: "" }, own)).toEqual({ field: "apiKey", rule: "required" });
    expect(checkForm({ provider: "openai-compatible", model: "m", apiKey: "", baseUrl: "http://h/v1" }, null)).toBeNull(); // Ollama needs no key
  });

  it("maps the App API's 400 onto the field it names", () => {
    const err = new ApiError(400, { error: "baseUrl must not point at a link-local or cloud metadata address", field: "baseUrl", rule: "not-link-local" });
    expect(fieldProblemOf(err)).toEqual({ field: "baseUrl", rule: "not-link-local", message: err.body.error });
    expect(fieldProblemOf(new ApiError(400, { error: "x", field: "somethingElse" }))).toBeNull();
    expect(fieldProblemOf(new ApiError(502, { error: "x", field: "baseUrl" }))).toBeNull();
  });
});
