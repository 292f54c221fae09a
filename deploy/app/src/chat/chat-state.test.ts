import { describe, expect, it } from "vitest";
import { ApiError } from "../api/api-error.ts";
import { problemAction, problemFromError, problemFromEvent, problemText } from "./chat-problem.ts";
import { chatReducer, initialChat, type ChatAction, type ChatState } from "./chat-state.ts";

const at = "2026-11-30T04:00:00.000Z";
const run = (actions: ChatAction[], from: ChatState = initialChat) => actions.reduce(chatReducer, from);
const visible = (s: ChatState) => s.entries.map((e) => [e.role, e.text, !!e.streaming]);

describe("chat state", () => {
  it("shows the history, then a sent message with its reply growing delta by delta", () => {
    const history = run([{ type: "history", messages: [{ role: "user", text: "earlier", at }, { role: "assistant", text: "answer", at }] }]);
    const sent = run([{ type: "sent", text: "hello", at }], history);
    expect(sent.sending).toBe(true);
    expect(visible(sent).slice(2)).toEqual([["user", "hello", false], ["assistant", "", true]]);
    const partial = run([{ type: "event", event: { event: "delta", data: { text: "Hi " } } }, { type: "event", event: { event: "delta", data: { text: "there" } } }], sent);
    expect(visible(partial).at(-1)).toEqual(["assistant", "Hi there", true]);
    const done = run([{ type: "event", event: { event: "done", data: { text: "Hi there!" } } }], partial);
    expect(visible(done).at(-1)).toEqual(["assistant", "Hi there!", false]);
    expect(done.sending).toBe(false);
    expect(new Set(done.entries.map((e) => e.key)).size).toBe(4);
  });

  it("a reply from a sleeping assistant says it is waking until it is awake, then grows as usual", () => {
    const sent = run([{ type: "sent", text: "hello", at }]);
    const waking = run([{ type: "event", event: { event: "status", data: { phase: "waking" } } }], sent);
    expect(waking.entries.at(-1)).toMatchObject({ role: "assistant", text: "", streaming: true, waking: true });
    const awake = run([{ type: "event", event: { event: "status", data: { phase: "awake" } } }], waking);
    expect(awake.entries.at(-1)?.waking).toBe(false);
    const answered = run([{ type: "event", event: { event: "delta", data: { text: "Hi" } } }], waking);
    expect(answered.entries.at(-1)).toMatchObject({ text: "Hi", waking: false });
  });

  it("on an error drops an empty reply, keeps a partial one, and says why", () => {
    const empty = run([{ type: "sent", text: "hello", at }, { type: "event", event: { event: "error", data: { error: "HTTP 401: bad key", code: "model_auth_failed" } } }]);
    expect(visible(empty)).toEqual([["user", "hello", false]]);
    expect(empty.problem).toEqual({ code: "model_auth_failed", detail: "HTTP 401: bad key" });
    expect(empty.sending).toBe(false);
    const partial = run([{ type: "sent", text: "hello", at }, { type: "event", event: { event: "delta", data: { text: "Hal" } } }, { type: "failed", problem: { code: "network", detail: "x" } }]);
    expect(visible(partial)).toEqual([["user", "hello", false], ["assistant", "Hal", false]]);
    // the next send clears the problem
    expect(run([{ type: "sent", text: "again", at }], partial).problem).toBeNull();
  });

  it("a history arriving during a send does not wipe the message in flight", () => {
    const sent = run([{ type: "sent", text: "hello", at }]);
    expect(run([{ type: "history", messages: [] }], sent)).toBe(sent);
  });
});

describe("chat problems", () => {
  it("every contract code has its own explanation; the model ones link to the model settings", () => {
    for (const code of ["model_not_configured", "model_auth_failed", "model_out_of_credits"] as const) {
      expect(problemText(code)).toBe(`chat.problem.${code}`);
      expect(problemAction(code)?.to).toBe("/settings#model");
    }
    expect(problemAction("instance_not_running")?.to).toBe("/dashboard");
    expect(problemAction("chat_failed")).toBeUndefined();
  });

  it("an unknown code from the stream is a plain failure", () => {
    expect(problemFromEvent({ error: "?", code: "something_new" })).toEqual({ code: "chat_failed", detail: "?" });
  });

  it("turns a refused request into a problem", () => {
    expect(problemFromError(new ApiError(0, { error: "fetch failed", code: "network" })).code).toBe("network");
    expect(problemFromError(new ApiError(404, { error: "No model", code: "model_not_configured" })).code).toBe("model_not_configured");
    expect(problemFromError(new ApiError(503, { error: "Instance is starting", code: "not_ready" })).code).toBe("instance_not_running");
    expect(problemFromError(new ApiError(404, { error: "Instance not found", code: "not_found" }))).toEqual({ code: "chat_failed", detail: "Instance not found" });
  });
});
