import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { failureSummary } from "./failure-summary.ts";

function report(body: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), "failure-summary-")), "report.json");
  writeFileSync(path, JSON.stringify(body));
  return path;
}

describe("failureSummary", () => {
  it("names a timed-out test as a timeout, not by vitest's stack placeholder", () => {
    const path = report({
      testResults: [
        {
          name: "/repo/test/e2e/x.e2e.test.ts",
          status: "failed",
          assertionResults: [
            { fullName: "x walks", status: "failed", failureMessages: ["Error: STACK_TRACE_ERROR\n    at task (file:///repo/node_modules/@vitest/runner/dist/a.js:1:1)\n    at /repo/test/e2e/x.e2e.test.ts:61:3"] },
            { fullName: "x passes", status: "passed" },
          ],
        },
      ],
    });
    const lines = failureSummary(path, "/repo");
    expect(lines[0]).toBe("    ✗ test/e2e/x.e2e.test.ts › x walks");
    expect(lines[1]).toMatch(/Timed out/);
    expect(lines.join("\n")).not.toMatch(/STACK_TRACE_ERROR|node_modules|x passes/);
    expect(lines.at(-1)).toContain("x.e2e.test.ts:61:3");
  });

  it("reports a file that failed outside its tests (an import or hook error)", () => {
    const path = report({ testResults: [{ name: "/repo/a.test.ts", status: "failed", message: "Cannot find module './gone.ts'", assertionResults: [] }] });
    expect(failureSummary(path, "/repo")).toEqual(["    ✗ a.test.ts", "      Cannot find module './gone.ts'"]);
  });

  it("says so when the run ended before a report was written", () => {
    expect(failureSummary("/nonexistent/report.json", "/repo")[0]).toMatch(/no report/);
  });
});
