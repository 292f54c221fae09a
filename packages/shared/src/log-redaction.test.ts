import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

function capture() {
  const lines: string[] = [];
  return { lines, dest: { write: (l: string) => void lines.push(l) } };
}

describe("the one redaction policy", () => {
  it("strips query strings from logged URLs, and header and key values", () => {
    const { lines, dest } = capture();
    const log = createLogger("t", { level: "info" }, dest);
    log.info({ req: { method: "GET", url: "/api/instances/u-1/vnc?token=SECRETKEY", headers: {} } }, "incoming");
    log.info({ url: "/x?ticket=vt2.a.b.c.d.1.e", headers: { authorization: "Bearer abc", cookie: "s=1" }, apiKey: "k" }, "m");
    log.info("upstream ws://127.0.0.1/vnc?token=SECRETKEY failed, Bearer SECRETKEY2");
    log.error({ err: new Error("GET /x?token=SECRETKEY3 failed") }, "boom");
    const text = lines.join("");
    for (const s of ["SECRETKEY", "vt2.", "Bearer abc", "s=1"]) expect(text).not.toContain(s);
    expect(text).toContain("/api/instances/u-1/vnc?[redacted]");
  });
});
