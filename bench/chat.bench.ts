/**
 * Chat round trip (issue #10): time to the first `delta` of a reply through the App API
 * (app -> App API -> Manager -> agent -> gateway, events pushed back the same way) against
 * `chat.send` sent straight to the gateway over a persistent loopback socket, with the same
 * model stand-in answering both. Target ratio <= 1.3. Runs the real platform as `npm start`
 * does, on its own ports and data dir.
 *   node bench/chat.bench.ts        (BENCH_CHAT_N=15 rounds each way)
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { deriveInstanceToken, GatewayClient, SseParser } from "@clawbox/shared";
import { start as startModel } from "../test/standins/model-standin.ts";
import { freePortBase } from "../test/support/ports.ts";
import { startPlatformProcess } from "../test/e2e/support/platform.ts";

const N = Number(process.env.BENCH_CHAT_N ?? 15);
const KEY = "sk-bench-chat-key";
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const r1 = (x: number) => Math.round(x * 10) / 10;

const model = await startModel({ keys: [KEY], chunkDelayMs: 5 });
const portBase = await freePortBase(1);
const platform = await startPlatformProcess({
  CLAWBOX_APP_PORT: String(portBase - 10),
  CLAWBOX_API_PORT: String(portBase - 9),
  CLAWBOX_MANAGER_PORT: String(portBase - 8),
  LOCAL_PORT_BASE: String(portBase),
  CLAWBOX_DESKTOP: "off",
  CLAWBOX_DEFAULT_MODEL_PROVIDER: "openai-compatible",
  CLAWBOX_DEFAULT_MODEL: "echo-1",
  CLAWBOX_DEFAULT_MODEL_BASE_URL: model.baseUrl,
  CLAWBOX_DEFAULT_MODEL_API_KEY: KEY,
  LOG_LEVEL: "warn",
});
try {
  const api = platform.apiUrl;
  const json = async (method: string, path: string, body?: unknown, token?: string) => {
    const r = await fetch(`${api}${path}`, {
      method,
      headers: { ...(body ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return (await r.json()) as any;
  };
  const signup = await json("POST", "/auth/signup", { email: `bench-${Date.now()}@example.com`, password: "correct horse battery" });
  const token = signup.accessToken as string;
  const inst = await json("POST", "/instances", {}, token);
  const t0 = performance.now();
  for (;;) {
    const s = await json("GET", `/instances/${inst.id}`, undefined, token);
    if (s.phase === "running") break;
    if (s.phase === "error") throw new Error(`instance error: ${s.message}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`create -> running: ${r1((performance.now() - t0) / 1000)} s`);

  /** ms to the first delta, and to done, of one message through the App API. */
  const viaApi = async (message: string) => {
    const start = performance.now();
    const res = await fetch(`${api}/instances/${inst.id}/chat`, {
      signal: AbortSignal.timeout(120_000),
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ message }),
    });
    const parser = new SseParser();
    const dec = new TextDecoder();
    let first = 0;
    for await (const chunk of res.body!) {
      for (const e of parser.feed(dec.decode(chunk as Uint8Array, { stream: true }))) {
        if (e.event === "delta" && !first) first = performance.now() - start;
        if (e.event === "error") throw new Error(`chat error: ${JSON.stringify(e.data)}`);
      }
    }
    return { first, done: performance.now() - start };
  };

  // The same gateway, straight: its port and token as the local runtime derives them.
  const managerKey = readFileSync(join(platform.dataDir, "secrets", "manager-api-key"), "utf8").trim();
  const managerUserId = onlyInstance(platform.dataDir);
  let onDelta: ((runId: string) => void) | undefined;
  let onDone: ((runId: string) => void) | undefined;
  const gwEvents = new GatewayClient({
    url: `ws://127.0.0.1:${portBase}`,
    token: deriveInstanceToken(managerKey, "gateway", managerUserId),
    onEvent: (e) => {
      const p = e.payload as { runId?: string; state?: string } | undefined;
      if (e.event !== "chat" || !p?.runId) return;
      if (process.env.BENCH_CHAT_DEBUG) console.log(`direct event ${p.runId} ${p.state}`);
      if (p.state === "delta") onDelta?.(p.runId);
      if (p.state === "final" || p.state === "error") onDone?.(p.runId);
    },
  });
  await gwEvents.connect();
  const direct = async (message: string) => {
    const runId = `bench-${Math.random().toString(36).slice(2)}`;
    const start = performance.now();
    let first = 0;
    const done = new Promise<number>((resolve) => {
      onDelta = (id) => {
        if (id === runId && !first) first = performance.now() - start;
      };
      onDone = (id) => {
        if (id === runId) resolve(performance.now() - start);
      };
    });
    await gwEvents.request("chat.send", { sessionKey: "main", message, idempotencyKey: runId });
    // A run that never ends (the gateway restarted under it) fails the round instead of hanging the bench.
    const timeout = new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`no reply to ${runId} within 120 s`)), 120_000).unref());
    // Await first: `first` is set by the delta handler while the reply streams.
    const total = await Promise.race([done, timeout]);
    return { first, done: total };
  };

  await viaApi("warm up");
  await direct("warm up");
  const a: number[] = [];
  const d: number[] = [];
  for (let i = 0; i < N; i++) {
    // Interleaved, so load on the machine hits both paths alike.
    a.push((await viaApi(`bench message ${i}`)).first);
    d.push((await direct(`bench message ${i}`)).first);
  }
  gwEvents.close();
  const pa = pct(a, 50);
  const pd = pct(d, 50);
  console.log(`first delta p50: App API ${r1(pa)} ms, gateway chat.send direct ${r1(pd)} ms (n=${N} each)`);
  console.log(`first delta p95: App API ${r1(pct(a, 95))} ms, direct ${r1(pct(d, 95))} ms`);
  console.log(`ratio App API / direct (p50): ${Math.round((pa / pd) * 100) / 100} (target <= 1.3)`);
  console.log(JSON.stringify({ chatFirstDeltaApiP50Ms: r1(pa), chatFirstDeltaDirectP50Ms: r1(pd), ratio: Math.round((pa / pd) * 100) / 100 }));
} finally {
  await platform.stop();
  await model.stop();
  rmSync(platform.dataDir, { recursive: true, force: true });
}

function onlyInstance(dataDir: string): string {
  const users = readdirSync(join(dataDir, "instances"));
  if (users.length !== 1) throw new Error(`expected one instance, found ${users.join(", ")}`);
  return users[0]!;
}
