import type { AppConfig } from "./api/models.ts";

/** Runtime config from the server (/config.json), so one build works behind any host and OAuth setup. */
export async function loadAppConfig(): Promise<AppConfig> {
  const fallback: AppConfig = { apiBase: "/api", googleClientId: null, appleClientId: null };
  try {
    const res = await fetch("/config.json", { cache: "no-store" });
    if (!res.ok) return fallback;
    return { ...fallback, ...((await res.json()) as Partial<AppConfig>) };
  } catch {
    return fallback;
  }
}
