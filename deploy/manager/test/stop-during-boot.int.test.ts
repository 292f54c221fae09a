/**
 * `npm start`'s Ctrl-C while an instance is still booting: the Manager (with
 * LOCAL_STOP_INSTANCES_ON_EXIT=1, as npm start runs it) stops every process of the instance by
 * pid before it exits, and nothing of the instance is left running.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive } from "@clawbox/shared/proc";
import { freePort, freePortBase } from "../../../test/support/ports.ts";

const MANAGER = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const API_KEY = "stop-during-boot-key";
const USER = "boot-stop";
let manager: ChildProcess | undefined;
let dataDir = "";

afterAll(() => {
  if (manager && manager.exitCode === null) manager.kill("SIGKILL");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Live (not zombie) processes whose real uid is `uid` (the instance's, on the host). */
function processesOf(uid: number): number[] {
  return readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n) && isAlive(Number(n)))
    .filter((n) => {
      try {
        return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${n}/status`, "utf8"))![1]) === uid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe("stopping the Manager while an instance boots", () => {
  it("leaves none of the instance's processes running", async () => {
    dataDir = mkdtempSync(join(tmpdir(), "clawbox-stop-boot-"));
    const port = await freePort();
    const portBase = await freePortBase(1);
    manager = spawn(process.execPath, [MANAGER], {
      env: {
        PATH: process.env.PATH,
        OPENCLAW_MANAGER_API_KEY: API_KEY,
        CLAWBOX_DATA_DIR: dataDir,
        LOCAL_PORT_BASE: String(portBase),
        LOCAL_STOP_INSTANCES_ON_EXIT: "1",
        LOCAL_STOP_GRACE_MS: "10000",
        CLAWBOX_DESKTOP: "off",
        PORT: String(port),
        HOST: "127.0.0.1",
        LOG_LEVEL: "warn",
        ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
      },
      stdio: ["ignore", "inherit", "inherit"],
    });
    const exited = new Promise<number | null>((r) => manager!.once("exit", (code) => r(code)));
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 600) throw new Error("Manager did not start");
      await new Promise((r) => setTimeout(r, 200));
    }
    const created = await fetch(`${base}/api/instances`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ userId: USER }),
    });
    expect(created.status).toBe(201);

    // The instance's uid follows its port block (LOCAL_SANDBOX_UID_BASE + blockBase/200).
    const uid = 2_000_000 + Math.floor(portBase / 200);
    for (let i = 0; processesOf(uid).length < 3; i++) {
      if (i > 1200) throw new Error("the instance's processes never started");
      await new Promise((r) => setTimeout(r, 250));
    }
    const status = (await (await fetch(`${base}/api/instances/${USER}`, { headers: { authorization: `Bearer ${API_KEY}` } })).json()) as { phase: string };
    expect(status.phase).not.toBe("running"); // still booting: the case that used to orphan processes

    manager.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(processesOf(uid)).toEqual([]);
  }, 600_000);
});
