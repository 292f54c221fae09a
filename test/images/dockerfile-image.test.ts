import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { copySources, IMAGES } from "./dockerfile-image.ts";

describe("the image cache's inputs", () => {
  it("takes the build-context sources of COPY/ADD lines, not --from stages or the destination", () => {
    const text = ["FROM x AS a", "COPY --chown=1:1 a/b c/d /dst/", "COPY --from=a /app /app", "ADD e.tar /", "RUN echo COPY no"].join("\n");
    expect(copySources(text)).toEqual(["a/b", "c/d", "e.tar"]);
  });

  it("covers every file Dockerfile.gke copies from the repo (agent, shared sources, scripts, gateway pins)", () => {
    const sources = copySources(readFileSync(new URL(`../../${IMAGES.gateway.dockerfile}`, import.meta.url), "utf8"));
    expect(sources).toEqual(
      expect.arrayContaining([
        "deploy/gateway/package.json",
        "packages/shared/src",
        "deploy/agent/src",
        "deploy/agent/build.ts",
        "deploy/scripts/gke-entrypoint.sh",
        "deploy/gateway/seed-whatsapp.sh",
      ]),
    );
    expect(sources.some((s) => s.startsWith("/"))).toBe(false);
  });

  it("the Manager and API images build from their staged .image/ contexts", () => {
    for (const img of [IMAGES.manager, IMAGES.api]) {
      const sources = copySources(readFileSync(new URL(`../../${img.dockerfile}`, import.meta.url), "utf8"));
      expect(sources.length).toBeGreaterThan(0);
      expect(sources.every((s) => s.startsWith(".image/"))).toBe(true);
    }
  });
});
