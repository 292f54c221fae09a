import { describe, expect, it } from "vitest";
import { en } from "./en.ts";
import { ko } from "./ko.ts";
import { detectLanguage, translate } from "./translate.ts";

describe("i18n dictionaries", () => {
  it("English and Korean have exactly the same keys, none empty", () => {
    expect(Object.keys(ko).sort()).toEqual(Object.keys(en).sort());
    for (const [key, value] of [...Object.entries(en), ...Object.entries(ko)]) {
      expect(value.trim(), key).not.toBe("");
    }
  });

  it("both languages use the same placeholders for each key", () => {
    const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(ko[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it("phase texts are the deployment guide's, word for word", () => {
    expect(translate("ko", "phase.pending")).toBe("인스턴스 준비 중...");
    expect(translate("ko", "phase.starting")).toBe("게이트웨이 시작 중...");
    expect(translate("ko", "phase.running")).toBe("실행 중");
    expect(translate("ko", "phase.error", { message: "back-off 5m0s" })).toBe("오류 발생: back-off 5m0s");
    expect(translate("ko", "phase.unknown")).toBe("상태 확인 중...");
    expect(translate("en", "phase.pending")).toBe("Preparing instance...");
    expect(translate("en", "phase.starting")).toBe("Starting gateway...");
    expect(translate("en", "phase.running")).toBe("Running");
    expect(translate("en", "phase.error", { message: "x" })).toBe("Error: x");
    expect(translate("en", "phase.unknown")).toBe("Checking status...");
  });

  it("detects the language from the browser's list", () => {
    expect(detectLanguage(["ko-KR", "en-US"])).toBe("ko");
    expect(detectLanguage(["fr-FR", "en-GB"])).toBe("en");
    expect(detectLanguage(["de"])).toBe("en");
    expect(detectLanguage([])).toBe("en");
  });
});

describe("components", () => {
  it("hard-code no user-visible text (JSX text and labels come from the dictionaries)", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const root = join(import.meta.dirname, "..");
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith(".tsx"));
    expect(files.length).toBeGreaterThan(10);
    const offenders: string[] = [];
    for (const file of files) {
      const src = readFileSync(join(root, file), "utf8");
      // JSX text between tags (code such as `useState<T>(x)` or `=> f()` has ( ; = and is skipped).
      // Text starting with : ? && || is the rest of a ternary/condition between two elements.
      for (const m of src.matchAll(/>([^<>{}();=\n]*\p{L}[^<>{}();=\n]*)</gu)) {
        if (!/^\s*(:|\?|&&|\|\|)/.test(m[1]!)) offenders.push(`${file}: text "${m[1]!.trim()}"`);
      }
      for (const m of src.matchAll(/\b(aria-label|alt|title|placeholder)="([^"]*\p{L}[^"]*)"/gu)) offenders.push(`${file}: ${m[1]}="${m[2]}"`);
    }
    expect(offenders).toEqual([]);
  });
});
