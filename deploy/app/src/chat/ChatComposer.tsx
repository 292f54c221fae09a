import { useState, type FormEvent, type KeyboardEvent } from "react";
import { useI18n } from "../i18n/i18n.tsx";
import { Button } from "../ui/components.tsx";

/** The message box: Enter sends, Shift+Enter starts a new line; one message at a time. */
export function ChatComposer({ onSend, busy, disabled = false }: { onSend: (text: string) => void; busy: boolean; disabled?: boolean }) {
  const { t } = useI18n();
  const [text, setText] = useState("");
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const message = text.trim();
    if (!message || busy || disabled) return;
    onSend(message);
    setText("");
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) submit(e);
  };
  return (
    <form className="chat-composer" onSubmit={submit} data-testid="chat-form">
      <textarea
        className="input chat-input"
        name="message"
        rows={1}
        maxLength={16_000}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        placeholder={t("chat.placeholder")}
        aria-label={t("chat.placeholder")}
        data-testid="chat-input"
      />
      <Button type="submit" className="chat-send" disabled={busy || disabled || !text.trim()} data-testid="chat-send">
        {busy ? t("chat.replying") : t("chat.send")}
      </Button>
    </form>
  );
}
