import { createLogger } from "@clawbox/shared";
import { describe, expect, it } from "vitest";
import { stopAll } from "./shutdown.ts";

const logger = createLogger("shutdown-test", { level: "silent" });

describe("stopAll (Manager shutdown)", () => {
  it("is 0 when the server and the runtime stop", async () => {
    const stopped: string[] = [];
    const code = await stopAll({ server: { close: async () => stopped.push("server") }, runtime: { stop: async () => void stopped.push("runtime") } }, logger);
    expect(code).toBe(0);
    expect(stopped).toEqual(["server", "runtime"]);
  });

  it("is 1 when the runtime fails to stop", async () => {
    const code = await stopAll({ server: { close: async () => undefined }, runtime: { stop: async () => Promise.reject(new Error("watch stuck")) } }, logger);
    expect(code).toBe(1);
  });

  it("still stops the runtime when the server fails to close, and is 1", async () => {
    let runtimeStopped = false;
    const code = await stopAll(
      { server: { close: async () => Promise.reject(new Error("close failed")) }, runtime: { stop: async () => void (runtimeStopped = true) } },
      logger,
    );
    expect(code).toBe(1);
    expect(runtimeStopped).toBe(true);
  });
});
