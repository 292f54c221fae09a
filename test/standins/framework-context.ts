/**
 * What a model stand-in must not mistake for the user's words: the scaffolding an agent framework
 * wraps around a channel message before it reaches the model. A real model reads it as context;
 * a stand-in that echoes "the user's message" would otherwise echo it, and OpenClaw strips such
 * echoes (with the line they are on) from what it delivers, so a reply would lose its start.
 * OpenClaw 2026.9 (src/auto-reply/reply/strip-inbound-meta.ts, the openai-completions transport):
 *  - runtime-context blocks such as `<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>> ... <<<END_...>>>`;
 *  - a leading timestamp envelope `[Mon 2026-11-30 04:36 UTC] `;
 *  - inbound context headers: a line ending in `⟦openclaw:ctx⟧`, then a ```json fenced block or
 *    the lines up to the next blank line;
 *  - the system prompt's non-behavioural tail (`Runtime: agent=... | ...`) that the transport
 *    moves onto the first user message for prompt caching, after a blank line.
 */
const INTERNAL_BLOCK = /<<<BEGIN_[A-Z_]*CONTEXT>>>[\s\S]*?(<<<END_[A-Z_]*CONTEXT>>>|$)/g;
const TIMESTAMP_ENVELOPE = /^\[[A-Za-z]{3} \d{4}-\d{2}-\d{2} \d{2}:\d{2}[^\]]*\] */;
const CONTEXT_MARKER = "⟦openclaw:ctx⟧";
const RELOCATED_RUNTIME_LINE = /(^|\n\n)Runtime: [^\n]*agent=[^\n]*$/;

export function usersOwnWords(text: string): string {
  const lines = text.replace(INTERNAL_BLOCK, "").replace(TIMESTAMP_ENVELOPE, "").split("\n");
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.trimEnd().endsWith(CONTEXT_MARKER)) {
      kept.push(lines[i]!);
      continue;
    }
    if (lines[i + 1]?.trim() === "```json") {
      i += 2;
      while (i < lines.length && lines[i]!.trim() !== "```") i++;
    } else {
      while (i + 1 < lines.length && lines[i + 1]!.trim() !== "") i++;
    }
  }
  return kept.join("\n").replace(RELOCATED_RUNTIME_LINE, "").trim();
}
