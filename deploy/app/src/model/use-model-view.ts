import { useCallback, useEffect, useState } from "react";
import type { ModelView } from "../api/models.ts";
import { useSession } from "../session/context.tsx";

export interface ModelViewState {
  /** undefined while loading, null when the assistant has no model. */
  view: ModelView | null | undefined;
  error: unknown;
  setView(view: ModelView | null): void;
  reload(): Promise<void>;
}

/** The model in effect for the signed-in user (GET /users/me/model), loaded on mount. */
export function useModelView(): ModelViewState {
  const { session } = useSession();
  const [view, setView] = useState<ModelView | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const reload = useCallback(async () => {
    setError(null);
    try {
      setView(await session.api.getModel());
    } catch (err) {
      setError(err);
    }
  }, [session]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { view, error, setView, reload };
}
