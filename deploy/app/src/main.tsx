import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import { loadAppConfig } from "./app-config.ts";
import { I18nProvider } from "./i18n/i18n.tsx";
import { SessionContext } from "./session/context.tsx";
import { Session } from "./session/session.ts";
import "./theme.css";

const config = await loadAppConfig();
const session = new Session(config.apiBase);
// The e2e tests and the benchmark read the session (refresh count) from here.
(window as unknown as { clawbox: unknown }).clawbox = { session };

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <I18nProvider>
      <SessionContext.Provider value={{ session, config }}>
        <App />
      </SessionContext.Provider>
    </I18nProvider>
  </StrictMode>,
);

