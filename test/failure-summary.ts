/**
 * What failed, in short, from a vitest run's JSON report (scripts/test-lanes.ts writes one per
 * step). A CI log is often read from its tail only, and the lanes interleave two runs' output, so
 * the run ends by saying again which tests failed and the first lines of why.
 */
import { existsSync, readFileSync } from "node:fs";

interface JsonReport {
  testResults?: {
    name: string;
    status: string;
    message?: string;
    assertionResults?: { fullName: string; status: string; failureMessages?: string[] }[];
  }[];
}

const LINES_PER_FAILURE = 12;

// vitest records a timeout with the stack it captured when the test began, whose message is this
// placeholder; the report keeps that stack, not the "Test timed out" message.
const TIMEOUT_PLACEHOLDER = "Error: STACK_TRACE_ERROR";

function firstLines(text: string): string[] {
  // Stack frames inside node_modules say nothing about the test; the message and our frames do.
  return text
    .replaceAll(TIMEOUT_PLACEHOLDER, "Timed out: the test ran past its timeout (vitest's testTimeout or the one it() sets)")
    .split("\n")
    .filter((l) => l.trim() && !l.includes("node_modules") && !l.includes("(<anonymous>)"))
    .slice(0, LINES_PER_FAILURE)
    .map((l) => `      ${l.slice(0, 400)}`);
}

/** One block per failed test (or per file that failed outside its tests), ready to print. */
export function failureSummary(reportPath: string, root: string): string[] {
  if (!existsSync(reportPath)) return ["    (no report: the run ended before vitest wrote one)"];
  let report: JsonReport;
  try {
    report = JSON.parse(readFileSync(reportPath, "utf8")) as JsonReport;
  } catch (err) {
    return [`    (report unreadable: ${(err as Error).message})`];
  }
  const out: string[] = [];
  for (const file of report.testResults ?? []) {
    const name = file.name.startsWith(root) ? file.name.slice(root.length + 1) : file.name;
    const failed = (file.assertionResults ?? []).filter((t) => t.status === "failed");
    for (const t of failed) {
      out.push(`    ✗ ${name} › ${t.fullName}`, ...firstLines((t.failureMessages ?? []).join("\n")));
    }
    // A hook or import error fails the file with no failed test of its own.
    if (file.status === "failed" && failed.length === 0) out.push(`    ✗ ${name}`, ...firstLines(file.message ?? ""));
  }
  return out;
}
