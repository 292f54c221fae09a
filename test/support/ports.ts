import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@clawbox/shared/free-port";
import { isAlive } from "@clawbox/shared/proc";

/** The tests' one source of ports (freePort itself is shared with the Manager's warm-up). */
export { freePort };

/**
 * A LOCAL_PORT_BASE whose first `blocks` instance blocks (200 ports each, X display
 * base/200 + i) are free right now and reserved for this process, below the ephemeral range
 * (32768+), starting at a random block.
 *
 * "Free right now" is not enough: a platform binds its instances' ports only when they start,
 * often a minute later, and the other test lane (or another checkout) may pick the same block
 * meanwhile. So each block is also reserved with a lock file holding this process's pid, created
 * exclusively; a lock whose process is gone is stale and taken over. The locks go when this
 * process exits.
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
    const blockStarts = Array.from({ length: blocks }, (_, i) => base + i * 200);
    const ports = blockStarts.flatMap((b) => [0, 150, 160, 161, 11].map((o) => b + o));
    const displays = blockStarts.map((b) => b / 200);
    if (displays.some((d) => existsSync(`/tmp/.X${d}-lock`))) continue;
    if (!(await Promise.all(ports.map(free))).every(Boolean)) continue;
    if (reserve(blockStarts)) return base;
  }
  throw new Error("no free port block for the test instances");
}

const LOCK_DIR = join(tmpdir(), "clawbox-test-port-blocks");
const held: string[] = [];

/** Reserves every block or none (a partial reservation is given back). */
function reserve(blockStarts: number[]): boolean {
  mkdirSync(LOCK_DIR, { recursive: true });
  const taken: string[] = [];
  for (const b of blockStarts) {
    const file = join(LOCK_DIR, `${b}.lock`);
    if (!lock(file)) {
      for (const f of taken) unlinkSync(f);
      return false;
    }
    taken.push(file);
  }
  if (held.length === 0) process.once("exit", () => held.forEach((f) => rmQuiet(f)));
  held.push(...taken);
  return true;
}

function lock(file: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      return true;
    } catch {
      const owner = Number(readQuiet(file));
      if (owner === process.pid || isAlive(owner)) return false;
      rmQuiet(file); // stale: its process is gone
    }
  }
  return false;
}

const readQuiet = (f: string) => {
  try {
    return readFileSync(f, "utf8");
  } catch {
    return "";
  }
};
const rmQuiet = (f: string) => {
  try {
    unlinkSync(f);
  } catch {
    /* already gone */
  }
};
