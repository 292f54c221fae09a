/**
 * Labels on every object of an instance (ARCHITECTURE.md "An instance"). The selector is the
 * immutable subset used by the Deployment, Service and NetworkPolicy; the watch cache selects
 * everything carrying USER_LABEL.
 */
import { instanceNames } from "@clawbox/shared";

export const USER_LABEL = "openclaw.ai/user";
export const MANAGED_BY = "openclaw-manager";
/** Label of the Manager's own pods: the only peers the instance NetworkPolicy lets in. */
export const MANAGER_POD_LABELS = { "app.kubernetes.io/name": "openclaw-manager" } as const;
/** Field manager of every server-side apply the Manager makes. */
export const FIELD_MANAGER = "openclaw-manager";

export function instanceLabels(userId: string): Record<string, string> {
  return {
    [USER_LABEL]: userId,
    "app.kubernetes.io/name": "openclaw",
    "app.kubernetes.io/instance": instanceNames(userId).base,
    "app.kubernetes.io/component": "gateway",
    "app.kubernetes.io/managed-by": MANAGED_BY,
  };
}

export function selectorLabels(userId: string): Record<string, string> {
  return { [USER_LABEL]: userId, "app.kubernetes.io/name": "openclaw" };
}
