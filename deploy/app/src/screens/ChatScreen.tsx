import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import type { Instance } from "../api/models.ts";
import { ChatComposer } from "../chat/ChatComposer.tsx";
import { ChatProblemNotice } from "../chat/ChatProblemNotice.tsx";
import { ChatThread } from "../chat/ChatThread.tsx";
import { problemFromError } from "../chat/chat-problem.ts";
import { chatReducer, initialChat } from "../chat/chat-state.ts";
import { useFollowTail } from "../chat/use-follow-tail.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { useSession } from "../session/context.tsx";
import { Screen, Spinner } from "../ui/components.tsx";
import { WithRunningInstance } from "./instance-guard.tsx";

export function ChatScreen() {
  const { t } = useI18n();
  return (
    <WithRunningInstance title={t("chat.title")} notRunning={t("chat.notRunning")} back={null}>
      {(instance) => <Chat instance={instance} />}
    </WithRunningInstance>
  );
}

/** Loads the conversation on open, then sends one message at a time and streams each reply in. */
function Chat({ instance }: { instance: Instance }) {
  const { t } = useI18n();
  const { session } = useSession();
  const api = session.api;
  const [state, dispatch] = useReducer(chatReducer, initialChat);
  const [historyLoaded, setHistoryLoaded] = useState(false);
  const asleepAtOpen = useRef(instance.phase === "sleeping");
  const inFlight = useRef<AbortController | null>(null);
  const tail = useFollowTail([historyLoaded, state.entries.length, state.entries.at(-1)?.text, state.problem]);

  useEffect(() => {
    let live = true;
    api
      .chatHistory(instance.id)
      .then((h) => live && dispatch({ type: "history", messages: h.messages }))
      .catch((err: unknown) => live && dispatch({ type: "failed", problem: problemFromError(err) }))
      .finally(() => live && setHistoryLoaded(true));
    return () => {
      live = false;
    };
  }, [api, instance.id]);
  // Leaving the screen stops reading the reply; the assistant still finishes it (it is in the history).
  useEffect(() => () => inFlight.current?.abort(), []);

  const send = useCallback(
    async (text: string) => {
      const abort = new AbortController();
      inFlight.current = abort;
      dispatch({ type: "sent", text, at: new Date().toISOString() });
      try {
        await api.chat(instance.id, text, (event) => dispatch({ type: "event", event }), abort.signal);
      } catch (err) {
        if (!abort.signal.aborted) dispatch({ type: "failed", problem: problemFromError(err) });
      }
    },
    [api, instance.id],
  );

  return (
    <Screen title={t("chat.title")}>
      <div className="chat" data-testid="chat" data-sending={state.sending ? "true" : "false"}>
        {/* Asleep, loading the conversation is what wakes it: say so, it takes a while. */}
        {historyLoaded ? <ChatThread entries={state.entries} /> : <Spinner label={t(asleepAtOpen.current ? "chat.waking" : "chat.loadingHistory")} />}
        <ChatProblemNotice problem={state.problem} />
        <div ref={tail} className="chat-tail" />
        <ChatComposer onSend={(text) => void send(text)} busy={state.sending} disabled={!historyLoaded} />
      </div>
    </Screen>
  );
}
