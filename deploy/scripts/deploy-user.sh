#!/usr/bin/env bash
# Installs, upgrades, inspects and removes one user's OpenClaw instance with the Helm chart
# deploy/helm/openclaw (the Helm path of the deployment guide, deploy/helm/README.md).
# The release is always <user>-openclaw, so a reinstall adopts the PVC a `delete` left behind.
set -euo pipefail

HELM="${HELM:-helm}"
KUBECTL="${KUBECTL:-kubectl}"
NAMESPACE="${NAMESPACE:-openclaw}"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HELM_DIR="$(cd "$SCRIPT_DIR/../helm" && pwd)"
CHART="${CHART:-$HELM_DIR/openclaw}"
USERS_DIR="$HELM_DIR/users"

usage() {
  cat <<EOF
Usage: $(basename "$0") <command> <user> [values-file] [extra helm flags...]

Commands:
  install <user> [values]   helm install release <user>-openclaw (values default: deploy/helm/users/<user>.yaml)
  upgrade <user> [values]   helm upgrade the release with the values file (same default)
  status  <user>            helm status, then the user's pods, services and PVC
  delete  <user>            helm uninstall; the PVC <user>-openclaw-data (the user's data) is kept
  purge   <user>            helm uninstall, then delete the PVC and everything labelled openclaw.ai/user=<user>

<user> is the instance's userId: a DNS-1123 label of 1-49 characters (lowercase letters, digits, '-').
The values file must not name a different userId.

Environment: NAMESPACE (default openclaw), HELM and KUBECTL (default: helm and kubectl on PATH),
CHART (default: deploy/helm/openclaw next to this script). KUBECONFIG is honoured by both tools.
OPENCLAW_TOKEN_SECRET (install/upgrade): the instance tokens are derived from it exactly as the
Manager derives them (its OPENCLAW_TOKEN_SECRET, Secret openclaw-manager key TOKEN_SECRET), so the Manager can reach
this instance. Only the two derived tokens reach helm (and its release record), never the secret.
Needed unless the values file sets tokenSecret or both gatewayToken and agentToken: the chart
makes no random tokens (they would change on every render); helm names what is missing.

Examples:
  cp deploy/helm/users/user-example.yaml deploy/helm/users/alice.yaml   # then edit userId, model and secrets
  OPENCLAW_TOKEN_SECRET='<the Manager token secret>' bash deploy/scripts/deploy-user.sh install alice deploy/helm/users/alice.yaml
  bash deploy/scripts/deploy-user.sh status alice
  bash deploy/scripts/deploy-user.sh delete alice
EOF
}

die() {
  echo "deploy-user.sh: $*" >&2
  exit 2
}

# need_tool <command> <variable naming it> <tool>
need_tool() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found: put $3 on PATH or set $2=/path/to/$3"
}

[ $# -ge 1 ] || { usage >&2; exit 2; }
case "$1" in
  -h | --help | help) usage; exit 0 ;;
esac
[ $# -ge 2 ] || { echo "deploy-user.sh: missing <user>" >&2; usage >&2; exit 2; }

COMMAND="$1"
USER_ID="$2"
shift 2

if [ "${#USER_ID}" -gt 49 ] || ! [[ "$USER_ID" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]]; then
  die "invalid user '$USER_ID': userId must be a DNS-1123 label: 1-49 characters, lowercase letters, digits and '-', starting and ending with a letter or digit"
fi

RELEASE="$USER_ID-openclaw"
PVC="$USER_ID-openclaw-data"
SELECTOR="openclaw.ai/user=$USER_ID"

# The values file (argument 3, or deploy/helm/users/<user>.yaml); it must exist and must not
# name another user.
resolve_values() {
  VALUES="${1:-$USERS_DIR/$USER_ID.yaml}"
  [ -f "$VALUES" ] || die "values file '$VALUES' not found (copy deploy/helm/users/user-example.yaml and set userId, model and secrets)"
  local named
  named="$(sed -n -E "s/^userId:[[:space:]]*[\"']?([^\"'[:space:]#]*)[\"']?.*$/\\1/p" "$VALUES" | head -n 1)"
  if [ -n "$named" ] && [ "$named" != "$USER_ID" ]; then
    die "values file '$VALUES' has userId '$named', not '$USER_ID'"
  fi
}

# HMAC-SHA256(OPENCLAW_TOKEN_SECRET, "<purpose>:<user>") as unpadded base64url: the Manager's
# deriveInstanceToken (packages/shared/src/tokens.ts).
derive_token() {
  printf '%s' "$1:$USER_ID" | openssl dgst -sha256 -hmac "$OPENCLAW_TOKEN_SECRET" -binary | base64 | tr '+/' '-_' | tr -d '=\n'
}

# Extra helm flags carrying the derived tokens, through a private values file (never argv).
TOKEN_FLAGS=()
token_values() {
  [ -n "${OPENCLAW_TOKEN_SECRET:-}" ] || return 0
  command -v openssl >/dev/null 2>&1 || die "OPENCLAW_TOKEN_SECRET is set but openssl is not installed"
  TOKENS_FILE="$(mktemp)"
  trap 'rm -f "$TOKENS_FILE"' EXIT
  chmod 600 "$TOKENS_FILE"
  printf 'gatewayToken: "%s"\nagentToken: "%s"\n' "$(derive_token gateway)" "$(derive_token agent)" >"$TOKENS_FILE"
  TOKEN_FLAGS=(-f "$TOKENS_FILE")
}

case "$COMMAND" in
  install | upgrade)
    VALUES_ARG=""
    if [ $# -ge 1 ] && [ "${1#-}" = "$1" ]; then VALUES_ARG="$1"; shift; fi
    resolve_values "$VALUES_ARG"
    need_tool "$HELM" HELM helm
    token_values
    "$HELM" "$COMMAND" "$RELEASE" "$CHART" --namespace "$NAMESPACE" \
      -f "$VALUES" ${TOKEN_FLAGS[@]+"${TOKEN_FLAGS[@]}"} --set-string "userId=$USER_ID" "$@"
    ;;
  status)
    [ $# -eq 0 ] || die "status takes no arguments after <user>"
    need_tool "$HELM" HELM helm
    need_tool "$KUBECTL" KUBECTL kubectl
    rc=0
    "$HELM" status "$RELEASE" --namespace "$NAMESPACE" || rc=$?
    echo
    "$KUBECTL" get pods,services,pvc --namespace "$NAMESPACE" -l "$SELECTOR" -o wide
    exit "$rc"
    ;;
  delete)
    [ $# -eq 0 ] || die "delete takes no arguments after <user>"
    need_tool "$HELM" HELM helm
    "$HELM" uninstall "$RELEASE" --namespace "$NAMESPACE" --wait
    echo "Kept PVC $PVC (the user's data): 'install' reuses it, 'purge' deletes it."
    ;;
  purge)
    [ $# -eq 0 ] || die "purge takes no arguments after <user>"
    need_tool "$HELM" HELM helm
    need_tool "$KUBECTL" KUBECTL kubectl
    # Uninstall first (a release that is already gone is fine), then remove what the release
    # keeps (the PVC) and anything else carrying the user's label, e.g. Manager-created objects.
    if "$HELM" status "$RELEASE" --namespace "$NAMESPACE" >/dev/null 2>&1; then
      "$HELM" uninstall "$RELEASE" --namespace "$NAMESPACE" --wait
    fi
    "$KUBECTL" delete deployments,replicasets,pods,services,secrets,configmaps,networkpolicies,ingresses,persistentvolumeclaims \
      --namespace "$NAMESPACE" -l "$SELECTOR" --ignore-not-found --wait=true
    if "$KUBECTL" api-resources --api-group=networking.gke.io -o name 2>/dev/null | grep -q '^managedcertificates\.'; then
      "$KUBECTL" delete managedcertificates.networking.gke.io --namespace "$NAMESPACE" -l "$SELECTOR" --ignore-not-found
    fi
    echo "Purged $USER_ID: release $RELEASE, PVC $PVC and every object labelled $SELECTOR."
    ;;
  *)
    echo "deploy-user.sh: unknown command '$COMMAND'" >&2
    usage >&2
    exit 2
    ;;
esac
