import { createContext, useContext, useSyncExternalStore } from "react";
import type { AppConfig } from "../api/models.ts";
import type { Session, SessionState } from "./session.ts";

export const SessionContext = createContext<{ session: Session; config: AppConfig } | null>(null);

export function useSession(): { session: Session; state: SessionState; config: AppConfig } {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error("useSession outside SessionContext");
  const state = useSyncExternalStore(ctx.session.subscribe, ctx.session.getState);
  return { session: ctx.session, state, config: ctx.config };
}
