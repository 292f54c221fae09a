import { useEffect, useRef } from "react";

/** Calls `fn` now and then every `intervalMs` while `enabled`; stops on unmount. */
export function usePoll(fn: () => Promise<unknown> | void, intervalMs: number, enabled = true): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      try {
        await ref.current();
      } catch {
        // the screen shows its own error state; keep polling
      }
      if (!stopped) timer = setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [intervalMs, enabled]);
}
