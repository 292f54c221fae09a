#!/bin/sh
# Builds the state seed with the WhatsApp plugin installed as a *trusted official* npm install
# (gateway-desktop.md §1, recipe a), for Dockerfile.gke. Run it as the pod's user with the
# pod's absolute state path: the install record and the plugin's peer link to openclaw store
# absolute paths, so build path == run path. The entrypoint copies the seed onto an empty
# volume (cp -an), so no pod ever runs npm.
#   seed-whatsapp.sh <openclaw.mjs> <state dir the pod uses> <seed output dir>
set -eu
ENTRY="$1"; STATE="$2"; OUT="$3"
SPEC="${WHATSAPP_SPEC:-@openclaw/whatsapp@2026.9.6}"
mkdir -p "$STATE"
OPENCLAW_STATE_DIR="$STATE" OPENCLAW_CONFIG_PATH="$STATE/openclaw.json" HOME="$STATE/home" \
OPENCLAW_DISABLE_BONJOUR=1 OPENCLAW_NO_AUTO_UPDATE=1 \
  node "$ENTRY" plugins install "npm:$SPEC"
# The config comes from the ConfigMap (it enables plugins.entries.whatsapp); the npm cache and
# scratch dirs are not needed at run time.
rm -rf "$STATE/openclaw.json" "$STATE/home" "$STATE/tmp" "$STATE/logs"
mkdir -p "$(dirname "$OUT")"
cp -a "$STATE" "$OUT"
rm -rf "$STATE"
echo "seed ready in $OUT ($(du -sh "$OUT" | cut -f1))"
