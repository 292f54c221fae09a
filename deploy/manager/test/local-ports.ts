import { existsSync } from "node:fs";
import { createServer } from "node:net";

/**
 * A LOCAL_PORT_BASE whose `instances` port blocks (200 ports each, see ARCHITECTURE.md "Local
 * runtime") are free right now, below the ephemeral range (32768+), starting at a random block:
 * other checkouts (CI, colleagues) may run local-runtime tests at the same time.
 */
export async function freePortBase(instances: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once("error", () => resolve(false));
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
  const span = 200 * instances;
  const bases = Array.from({ length: Math.floor(10_000 / span) }, (_, i) => 21_000 + i * span);
  const start = Math.floor(Math.random() * bases.length);
  for (let k = 0; k < bases.length; k++) {
    const base = bases[(start + k) % bases.length]!;
    const blocks = Array.from({ length: instances }, (_, i) => base + i * 200);
    // gateway, its browser control and CDP ports, agent, websockify, vnc; and the X display.
    const ports = blocks.flatMap((b) => [0, 2, 11, 150, 160, 161].map((o) => b + o));
    if (blocks.some((b) => existsSync(`/tmp/.X${b / 200}-lock`))) continue;
    if ((await Promise.all(ports.map(free))).every(Boolean)) return base;
  }
  throw new Error("no free port block for the test instances");
}
