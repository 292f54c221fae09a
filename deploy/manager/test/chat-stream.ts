import { SseParser, type ChatStreamEvent } from "@clawbox/shared";

/**
 * Sends one chat message to the Manager and reads the whole event stream (the tests of chat,
 * sleep and the density bench read the reply the way the App API does).
 */
export async function sendChat(
  base: string,
  userId: string,
  headers: Record<string, string>,
  message: string,
): Promise<{ status: number; contentType: string | null; events: ChatStreamEvent[] }> {
  const res = await fetch(`${base}/api/instances/${userId}/chat`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ message }),
  });
  const contentType = res.headers.get("content-type");
  if (res.status !== 200) return { status: res.status, contentType, events: [] };
  const parser = new SseParser();
  const events: ChatStreamEvent[] = [];
  const decoder = new TextDecoder();
  for await (const chunk of res.body!) events.push(...parser.feed(decoder.decode(chunk as Uint8Array, { stream: true })));
  return { status: res.status, contentType, events };
}
