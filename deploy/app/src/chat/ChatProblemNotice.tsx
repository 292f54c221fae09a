import { useI18n } from "../i18n/i18n.tsx";
import { Link } from "../router/router.tsx";
import { problemAction, problemText, type ChatProblem } from "./chat-problem.ts";

/** Why the reply did not come, in plain words, with the place to fix it when there is one. */
export function ChatProblemNotice({ problem }: { problem: ChatProblem | null }) {
  const { t } = useI18n();
  if (!problem) return null;
  const action = problemAction(problem.code);
  // The no-model text already says everything; elsewhere the provider's words help a support request.
  const showDetail = problem.detail && problem.code !== "model_not_configured" && problem.code !== "network";
  return (
    <div className="chat-problem" role="alert" data-testid="chat-problem" data-code={problem.code}>
      <p>{t(problemText(problem.code))}</p>
      {showDetail ? <p className="hint">{t("chat.problem.detail", { message: problem.detail })}</p> : null}
      {action ? <Link to={action.to} className="btn btn-small" testId="chat-problem-action">{t(action.label)}</Link> : null}
    </div>
  );
}
