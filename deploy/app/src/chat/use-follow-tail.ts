import { useEffect, useRef } from "react";

/**
 * Keeps the end of the conversation in view as it grows (a new message, each delta, a
 * problem): scrolls the returned anchor into view whenever one of `changes` changes, and when
 * the viewport changes size (a phone's keyboard opening, a rotated screen), which would
 * otherwise leave the end behind the composer.
 */
export function useFollowTail(changes: readonly unknown[]) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: "end" });
  }, changes);
  useEffect(() => {
    const follow = () => ref.current?.scrollIntoView({ block: "end" });
    window.addEventListener("resize", follow);
    return () => window.removeEventListener("resize", follow);
  }, []);
  return ref;
}
