import type { ChatMessage, ChatStreamEvent } from "../api/models.ts";
import { problemFromEvent, type ChatProblem } from "./chat-problem.ts";

export interface ChatEntry extends ChatMessage {
  key: number;
  /** The assistant's reply while deltas are still arriving. */
  streaming?: boolean;
  /** The assistant was asleep and is being woken for this reply. */
  waking?: boolean;
}

export interface ChatState {
  entries: ChatEntry[];
  /** A message is on its way and its reply has not finished. */
  sending: boolean;
  problem: ChatProblem | null;
  nextKey: number;
}

export type ChatAction =
  | { type: "history"; messages: ChatMessage[] }
  | { type: "sent"; text: string; at: string }
  | { type: "event"; event: ChatStreamEvent }
  | { type: "failed"; problem: ChatProblem };

export const initialChat: ChatState = { entries: [], sending: false, problem: null, nextKey: 0 };

/**
 * The conversation on screen: the loaded history, then each message sent with its reply
 * growing as deltas arrive. A failure keeps what already arrived and says why the rest did not.
 */
export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case "history": {
      // A send in flight owns the tail of the list; an older history must not wipe it.
      if (state.sending) return state;
      const entries = action.messages.map((m, i) => ({ ...m, key: state.nextKey + i }));
      return { ...state, entries, nextKey: state.nextKey + entries.length };
    }
    case "sent": {
      const user: ChatEntry = { role: "user", text: action.text, at: action.at, key: state.nextKey };
      const reply: ChatEntry = { role: "assistant", text: "", at: action.at, key: state.nextKey + 1, streaming: true };
      return { ...state, entries: [...state.entries, user, reply], sending: true, problem: null, nextKey: state.nextKey + 2 };
    }
    case "event": {
      const e = action.event;
      if (e.event === "status") return updateReply(state, (r) => ({ ...r, waking: e.data.phase === "waking" }));
      if (e.event === "delta") return updateReply(state, (r) => ({ ...r, text: r.text + e.data.text, waking: false }));
      if (e.event === "done") {
        const next = updateReply(state, (r) => ({ ...r, text: e.data.text || r.text, streaming: false }));
        return { ...next, sending: false };
      }
      if (e.event === "error") return fail(state, problemFromEvent(e.data));
      return state;
    }
    case "failed":
      return fail(state, action.problem);
  }
}

function updateReply(state: ChatState, f: (reply: ChatEntry) => ChatEntry): ChatState {
  const last = state.entries.at(-1);
  if (!last?.streaming) return state;
  return { ...state, entries: [...state.entries.slice(0, -1), f(last)] };
}

function fail(state: ChatState, problem: ChatProblem): ChatState {
  const last = state.entries.at(-1);
  let entries = state.entries;
  if (last?.streaming) entries = last.text ? [...entries.slice(0, -1), { ...last, streaming: false }] : entries.slice(0, -1);
  return { ...state, entries, sending: false, problem };
}
