/**
 * Cold starts go through here, a few at a time. A gateway's cold start keeps a core busy for
 * 15-25 s, and OpenClaw abandons its own start when its state-lease heartbeat misses a 5 s
 * deadline: three starting together on 2 cores starved one of them into a permanent failure.
 * A slot is held from spawn until the instance is running, has exited, or `holdMs` passed.
 */
export class StartQueue {
  private readonly slots: number;
  private readonly holdMs: number;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(slots: number, holdMs = 180_000) {
    this.slots = Math.max(1, slots);
    this.holdMs = holdMs;
  }

  /** Resolves with a release function once a slot is free. Release is idempotent. */
  async acquire(): Promise<() => void> {
    if (this.active >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    let released = false;
    const timer = setTimeout(() => release(), this.holdMs);
    timer.unref();
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      this.active--;
      this.waiting.shift()?.();
    };
    return release;
  }

  get pending(): number {
    return this.waiting.length;
  }
}
