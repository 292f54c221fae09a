import type { ChatStreamEvent } from "./chat.ts";

/** One server-sent event, as written on the wire. */
export function formatSse(e: ChatStreamEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

/** Parses a text/event-stream body incrementally: feed chunks, get complete events. */
export class SseParser {
  private buf = "";
  feed(chunk: string): ChatStreamEvent[] {
    this.buf += chunk;
    const out: ChatStreamEvent[] = [];
    for (let i = this.buf.indexOf("\n\n"); i >= 0; i = this.buf.indexOf("\n\n")) {
      const block = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length === 0) continue;
      try {
        out.push({ event, data: JSON.parse(data.join("\n")) } as ChatStreamEvent);
      } catch {
        // not ours: ignore
      }
    }
    return out;
  }
}
