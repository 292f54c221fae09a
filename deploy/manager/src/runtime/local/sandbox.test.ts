import { describe, expect, it } from "vitest";
import { sandboxCommand } from "./sandbox.ts";
import { StartQueue } from "./start-queue.ts";
import { toInstanceStatus } from "./status.ts";

const spec = {
  uid: 2000120,
  cgroup: { version: 1 as const, dirs: ["/sys/fs/cgroup/memory/x", "/sys/fs/cgroup/pids/x"], procsFiles: ["/m/cgroup.procs", "/p/cgroup.procs"] },
  readOnly: ["/usr"],
  writable: ["/data/instances/a/state"],
  tmpDir: "/tmp/clawbox-abc",
  cwd: "/data/instances/a/state",
};

describe("sandboxCommand", () => {
  it("joins every cgroup, stages the sources as root, drops to the instance's uid with no capabilities, then runs bwrap", () => {
    const { command, args } = sandboxCommand(spec, ["/bin/sh", "entry.sh"]);
    expect(command).toBe("/bin/sh");
    expect(args.slice(3, 6)).toEqual(["2", "/m/cgroup.procs", "/p/cgroup.procs"]);
    // Sources, staged in a private mount namespace in this order: /tmp, read-only, writable.
    const unshare = args.indexOf("unshare");
    expect(args.slice(unshare, unshare + 5)).toEqual(["unshare", "--mount", "--propagation", "private", "--"]);
    const staged = args.slice(unshare + 9, args.indexOf("--", unshare + 9));
    expect(staged).toEqual(["/tmp/clawbox-abc", "/usr", "/data/instances/a/state"]);
    const setpriv = args.indexOf("setpriv");
    expect(args.slice(setpriv + 1, setpriv + 8)).toEqual(["--reuid=2000120", "--regid=2000120", "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]);
    const bwrap = args.slice(args.indexOf("bwrap"));
    for (const flag of ["--unshare-user", "--unshare-pid", "--unshare-ipc", "--new-session"]) expect(bwrap).toContain(flag);
    const pair = (flag: string, a: string, b: string) => bwrap.some((x, i) => x === flag && bwrap[i + 1] === a && bwrap[i + 2] === b);
    expect(pair("--bind", "/run/s/0", "/tmp")).toBe(true);
    expect(pair("--ro-bind", "/run/s/1", "/usr")).toBe(true);
    expect(pair("--bind", "/run/s/2", "/data/instances/a/state")).toBe(true);
    expect(bwrap.slice(-3)).toEqual(["--", "/bin/sh", "entry.sh"]);
    // Nothing of the data root beyond what was named.
    expect(bwrap.filter((x) => x.startsWith("/data")).every((x) => x.startsWith("/data/instances/a/state"))).toBe(true);
  });
});

describe("StartQueue", () => {
  it("lets `slots` starts run at once and the next in when one releases", async () => {
    const q = new StartQueue(1);
    const first = await q.acquire();
    let second = false;
    const p = q.acquire().then((r) => {
      second = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(second).toBe(false);
    expect(q.pending).toBe(1);
    first();
    first(); // idempotent: must not free a second slot
    (await p)();
    expect(second).toBe(true);
  });
});

describe("toInstanceStatus (local)", () => {
  it("shows a crash loop as waiting/CrashLoopBackOff with the last termination, and isolated", () => {
    const s = toInstanceStatus({
      userId: "u",
      phase: "error",
      createdAt: "2026-01-01T00:00:00Z",
      message: "CrashLoopBackOff: back-off 4s",
      waiting: { reason: "CrashLoopBackOff", message: "back-off 4s" },
      lastState: { status: "terminated", reason: "OOMKilled", exitCode: 137 },
      restartCount: 3,
      vnc: { available: true },
      isolated: false,
    });
    expect(s.pods[0]!.state).toEqual({ status: "waiting", reason: "CrashLoopBackOff", message: "back-off 4s" });
    expect(s.pods[0]!.lastState).toMatchObject({ reason: "OOMKilled" });
    expect(s.pods[0]!.restartCount).toBe(3);
    expect(s.isolated).toBe(false);
    expect(s.message).toMatch(/^CrashLoopBackOff/);
  });
});
