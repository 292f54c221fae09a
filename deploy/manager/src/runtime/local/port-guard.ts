import { spawnSync } from "node:child_process";
import { PORT_BLOCK } from "./layout.ts";

/**
 * Who may open an instance's ports: the local counterpart of the pod's NetworkPolicy. Every
 * endpoint of an instance listens on loopback inside its port block (gateway, agent, websockify,
 * x11vnc, Chromium's DevTools); one nftables rule per block lets only that instance's own uid and
 * root (the Manager) open a new connection to it. Everyone else, `nobody` and every other
 * instance included, gets a TCP reset. The X display has no port (`-nolisten tcp -nolisten
 * local`: only the socket in the instance's private /tmp).
 *
 * One table per Manager (named after its port base), rebuilt atomically from the live instances
 * on every change, so two Managers on one machine never touch each other's rules.
 */
export interface GuardedBlock {
  base: number;
  uid: number;
}

export class PortGuard {
  readonly table: string;

  constructor(portBase: number) {
    this.table = `clawbox_${portBase}`;
  }

  /** Replaces the table's rules with one rule per block (none: the table is removed). */
  apply(blocks: GuardedBlock[]) {
    const rules = blocks
      .map(
        (b) =>
          `    oifname "lo" tcp dport ${b.base}-${b.base + PORT_BLOCK - 1} ct state new meta skuid != { 0, ${b.uid} } counter reject with tcp reset`,
      )
      .join("\n");
    const inbound = blocks.map((b) => `    iifname != "lo" tcp dport ${b.base}-${b.base + PORT_BLOCK - 1} drop`).join("\n");
    // "add table" first makes the delete valid when the table does not exist yet.
    const script = [`add table inet ${this.table}`, `delete table inet ${this.table}`];
    if (blocks.length > 0) {
      script.push(
        `table inet ${this.table} {`,
        `  chain output {`,
        `    type filter hook output priority filter; policy accept;`,
        rules,
        `  }`,
        `  chain input {`,
        `    type filter hook input priority filter; policy accept;`,
        inbound,
        `  }`,
        `}`,
      );
    }
    const r = spawnSync("nft", ["-f", "-"], { input: script.join("\n") + "\n", encoding: "utf8" });
    if (r.status !== 0) throw new Error(`nft failed (exit ${r.status}): ${(r.stderr || r.error?.message || "").trim()}`);
  }

  remove() {
    this.apply([]);
  }
}
