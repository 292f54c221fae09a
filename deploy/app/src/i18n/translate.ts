import { en, type MessageKey } from "./en.ts";
import { ko } from "./ko.ts";

export type Language = "en" | "ko";
export const LANGUAGES: readonly Language[] = ["en", "ko"];
export const dictionaries: Record<Language, Record<MessageKey, string>> = { en, ko };

/** Fills `{name}` placeholders; unknown placeholders stay visible so a missing value is noticed. */
export function translate(lang: Language, key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = dictionaries[lang][key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Picks the first supported language from the browser's preference list (navigator.languages). */
export function detectLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "ko" || base === "en") return base;
  }
  return "en";
}
