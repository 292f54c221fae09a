import { useCallback, useState } from "react";
import { useI18n } from "../i18n/i18n.tsx";
import { errorText } from "./errors.ts";

/** Runs an async action with busy/error state for a button or form. */
export function useAction<A extends unknown[]>(action: (...args: A) => Promise<unknown>) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(
    async (...args: A) => {
      setBusy(true);
      setError(null);
      try {
        await action(...args);
      } catch (err) {
        setError(errorText(err, t));
      } finally {
        setBusy(false);
      }
    },
    [action, t],
  );
  return { run, busy, error, setError };
}
