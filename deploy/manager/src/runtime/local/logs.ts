import { openSync, readSync, closeSync, fstatSync } from "node:fs";

/** Last `lines` non-empty lines of a log file (reads at most the last 16 KB). */
export function tailLines(file: string, lines = 15): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const size = fstatSync(fd).size;
    const len = Math.min(size, 16 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf
      .toString("utf8")
      .split("\n")
      .map((l) => l.replace(/\x1b\[[0-9;]*m/g, "").trimEnd())
      .filter((l) => l.length > 0)
      .slice(-lines)
      .join("\n");
  } catch {
    return "";
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
