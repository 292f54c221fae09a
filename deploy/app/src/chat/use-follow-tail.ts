import { useEffect, useRef } from "react";

/**
 * Keeps the end of the conversation in view as it grows (a new message, each delta, a
 * problem): scrolls the returned anchor into view whenever one of `changes` changes.
 */
export function useFollowTail(changes: readonly unknown[]) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: "end" });
  }, changes);
  return ref;
}
