import { useI18n } from "../i18n/i18n.tsx";
import type { ChatEntry } from "./chat-state.ts";

/** The conversation, oldest first. */
export function ChatThread({ entries }: { entries: ChatEntry[] }) {
  const { t } = useI18n();

  if (entries.length === 0) return <p className="muted chat-empty" data-testid="chat-empty">{t("chat.empty")}</p>;
  return (
    <ol className="chat-thread" data-testid="chat-thread" aria-live="polite">
      {entries.map((e) => (
        <ChatBubble key={e.key} entry={e} />
      ))}
    </ol>
  );
}

function ChatBubble({ entry }: { entry: ChatEntry }) {
  const { t } = useI18n();
  const streaming = !!entry.streaming;
  return (
    <li className={`bubble bubble-${entry.role}`} data-testid="chat-message" data-role={entry.role} data-streaming={streaming ? "true" : "false"}>
      <span className="visually-hidden">{entry.role === "user" ? t("chat.you") : t("chat.assistant")}</span>
      {entry.text ? <span className="bubble-text">{entry.text}</span> : <span className="muted typing" data-testid={entry.waking ? "chat-waking" : undefined}>{t(entry.waking ? "chat.waking" : "chat.thinking")}</span>}
    </li>
  );
}
