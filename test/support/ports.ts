import { existsSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";

/** The tests' one source of ports. */

/** A TCP port on 127.0.0.1 free right now (the kernel picks it), so parallel checkouts never collide. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A LOCAL_PORT_BASE whose first `blocks` instance blocks (200 ports each, X display
 * base/200 + i) are free right now, below the ephemeral range (32768+), starting at a random
 * block: other checkouts (CI, colleagues) may run the same tests at once.
 */
export async function freePortBase(blocks = 2, first = 21000, last = 31000): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once("error", () => resolve(false));
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
  const stride = 200 * blocks;
  const bases: number[] = [];
  for (let b = first; b + stride <= last; b += stride) bases.push(b);
  const start = Math.floor(Math.random() * bases.length);
  for (let k = 0; k < bases.length; k++) {
    const base = bases[(start + k) % bases.length]!;
    const ports = Array.from({ length: blocks }, (_, i) => [0, 150, 160, 161, 11].map((o) => base + i * 200 + o)).flat();
    const displays = Array.from({ length: blocks }, (_, i) => base / 200 + i);
    if (displays.some((d) => existsSync(`/tmp/.X${d}-lock`))) continue;
    if ((await Promise.all(ports.map(free))).every(Boolean)) return base;
  }
  throw new Error("no free port block for the test instances");
}
