import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { descendants, isAlive, processTree, readProc, rssBytes } from "./proc.ts";

describe("/proc helpers", () => {
  it("reads this process and tells a reused pid from the same process", () => {
    const me = readProc(process.pid)!;
    expect(me.ppid).toBe(process.ppid);
    expect(isAlive(process.pid, me.startTime)).toBe(true);
    expect(isAlive(process.pid, me.startTime + 1)).toBe(false);
    expect(rssBytes(process.pid)).toBeGreaterThan(0);
  });

  it("finds a detached group's children and grandchildren", async () => {
    const child = spawn("sh", ["-c", "sleep 30 & sleep 30 & wait"], { detached: true, stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const tree = processTree(child.pid!);
      expect(tree).toContain(child.pid);
      expect(tree.length).toBe(3);
      expect(descendants([process.pid]).map((p) => p.pid)).toEqual(expect.arrayContaining(tree));
    } finally {
      process.kill(-child.pid!, "SIGKILL");
    }
    await new Promise((r) => child.once("exit", r));
    expect(isAlive(child.pid!)).toBe(false);
  });
});
