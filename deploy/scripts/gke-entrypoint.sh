#!/bin/sh
# Entrypoint of the gateway container (Dockerfile.gke) and of every local-runtime instance
# (the Manager's local runtime runs this same script, so the tests exercise it).
#
# 1. Seeds the state volume: the preinstalled WhatsApp plugin state (OPENCLAW_STATE_SEED,
#    copied once, never over existing files) and the config from the ConfigMap
#    (OPENCLAW_CONFIG_SEED -> OPENCLAW_CONFIG_PATH when missing; on later starts the keys the
#    platform owns are re-applied from it by apply-managed-config.mjs, the rest is kept).
# 2. Starts the live-browser desktop when available: Xvfb, x11vnc (localhost only) and
#    websockify + noVNC. Missing binaries only disable the browser view.
# 3. Runs `openclaw gateway run --bind loopback --auth token` and forwards SIGTERM/SIGINT to
#    it; when the gateway exits, the desktop is stopped and its exit code is returned.
# Works with a read-only root: everything written goes to the state volume, except what
# OpenClaw/Xvfb hard-code under /tmp (a writable emptyDir in the pod).
#
# Env (defaults are the pod's):
#   OPENCLAW_STATE_DIR=/home/node/.openclaw   OPENCLAW_CONFIG_PATH=$OPENCLAW_STATE_DIR/openclaw.json
#   CLAWBOX_HOME=$OPENCLAW_STATE_DIR/home (-> HOME)   OPENCLAW_CONFIG_SEED=/etc/openclaw/openclaw.json
#   CLAWBOX_TMPDIR=$OPENCLAW_STATE_DIR/tmp (-> TMPDIR)  CLAWBOX_LOG_DIR=$OPENCLAW_STATE_DIR/logs (desktop logs)
#   OPENCLAW_STATE_SEED=/opt/openclaw-seed    OPENCLAW_GATEWAY_PORT=18789
#   OPENCLAW_ENTRY=/app/node_modules/openclaw/openclaw.mjs   NODE_BIN=node
#   CLAWBOX_DESKTOP=auto|on|off (auto)        CLAWBOX_DISPLAY=:99   SCREEN_SIZE=1280x800x24
#   VNC_PORT=5900   NOVNC_PORT=6080   NOVNC_BIND=0.0.0.0   NOVNC_WEB=/usr/share/novnc
#   NODE_COMPILE_CACHE=$OPENCLAW_STATE_DIR/cache/node-compile-cache
set -u

log() { echo "[entrypoint] $*"; }

STATE="${OPENCLAW_STATE_DIR:-/home/node/.openclaw}"
export OPENCLAW_STATE_DIR="$STATE"
export OPENCLAW_CONFIG_PATH="${OPENCLAW_CONFIG_PATH:-$STATE/openclaw.json}"
export HOME="${CLAWBOX_HOME:-$STATE/home}"
export TMPDIR="${CLAWBOX_TMPDIR:-$STATE/tmp}"
LOGS="${CLAWBOX_LOG_DIR:-$STATE/logs}"
export NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-$STATE/cache/node-compile-cache}"
export OPENCLAW_NO_RESPAWN="${OPENCLAW_NO_RESPAWN:-1}"
export OPENCLAW_DISABLE_BONJOUR="${OPENCLAW_DISABLE_BONJOUR:-1}"
export OPENCLAW_NO_AUTO_UPDATE="${OPENCLAW_NO_AUTO_UPDATE:-1}"
export OPENCLAW_OFFLINE="${OPENCLAW_OFFLINE:-1}"
PORT="${OPENCLAW_GATEWAY_PORT:-18789}"
ENTRY="${OPENCLAW_ENTRY:-/app/node_modules/openclaw/openclaw.mjs}"
NODE_BIN="${NODE_BIN:-node}"
DESKTOP="${CLAWBOX_DESKTOP:-auto}"
DISP="${CLAWBOX_DISPLAY:-:99}"
VNC_PORT="${VNC_PORT:-5900}"
NOVNC_PORT="${NOVNC_PORT:-6080}"
NOVNC_BIND="${NOVNC_BIND:-0.0.0.0}"
NOVNC_WEB="${NOVNC_WEB:-/usr/share/novnc}"
SCREEN_SIZE="${SCREEN_SIZE:-1280x800x24}"

mkdir -p "$STATE" "$HOME" "$TMPDIR" "$NODE_COMPILE_CACHE" "$LOGS" || { log "state dir $STATE is not writable"; exit 78; }
# Log files are owner-only (0600, the one log-file mode): created so before anything writes them,
# and tightened if an older start left them 0644 (a redirect keeps an existing file's mode).
for f in xvfb x11vnc websockify; do (umask 077; : >>"$LOGS/$f.log") && chmod 600 "$LOGS/$f.log"; done
chmod 700 "$TMPDIR" 2>/dev/null || true

# --- 1. seed ----------------------------------------------------------------------------------
SEED="${OPENCLAW_STATE_SEED:-/opt/openclaw-seed}"
if [ -d "$SEED" ] && [ ! -e "$STATE/state/openclaw.sqlite" ]; then
  log "seeding state from $SEED (preinstalled plugins)"
  cp -an "$SEED/." "$STATE/" || log "warning: seeding from $SEED failed"
fi
CONFIG_SEED="${OPENCLAW_CONFIG_SEED:-/etc/openclaw/openclaw.json}"
# Seeds the config when missing; otherwise re-applies the platform's keys (model, Telegram API
# root, gateway, logging) from the seed and keeps everything else.
"$NODE_BIN" "$(dirname "$0")/apply-managed-config.mjs" "$CONFIG_SEED" "$OPENCLAW_CONFIG_PATH" \
  || log "warning: could not apply the seed config $CONFIG_SEED"

# --- 2. desktop -------------------------------------------------------------------------------
DESKTOP_PIDS=""
have() { command -v "$1" >/dev/null 2>&1; }
start_desktop() {
  for bin in Xvfb x11vnc websockify; do
    if ! have "$bin"; then log "desktop unavailable: $bin not installed (apt-get install -y xvfb x11vnc novnc websockify chromium)"; return 1; fi
  done
  n="${DISP#:}"
  lock="/tmp/.X$n-lock"
  if [ -f "$lock" ] && ! kill -0 "$(tr -d ' ' < "$lock")" 2>/dev/null; then rm -f "$lock" "/tmp/.X11-unix/X$n"; fi
  # No TCP and no abstract socket (abstract sockets are per network namespace, i.e. shared by every
  # process on a host): only the socket file in this instance's own /tmp.
  Xvfb "$DISP" -screen 0 "$SCREEN_SIZE" -nolisten tcp -nolisten local >"$LOGS/xvfb.log" 2>&1 &
  XVFB_PID=$!
  DESKTOP_PIDS="$XVFB_PID"
  i=0
  # Ours only when our Xvfb is alive and owns the lock (another server on the same display
  # would otherwise be taken for ours).
  while [ ! -S "/tmp/.X11-unix/X$n" ] || [ "$(tr -d ' ' < "$lock" 2>/dev/null)" != "$XVFB_PID" ]; do
    if ! kill -0 "$XVFB_PID" 2>/dev/null; then log "desktop unavailable: Xvfb $DISP exited (display in use? see xvfb.log)"; DESKTOP_PIDS=""; return 1; fi
    i=$((i + 1)); if [ $i -gt 100 ]; then log "desktop unavailable: Xvfb $DISP did not start (see xvfb.log)"; return 1; fi
    sleep 0.1
  done
  x11vnc -display "$DISP" -localhost -noipv6 -forever -shared -nopw -rfbport "$VNC_PORT" -quiet -o "$LOGS/x11vnc.log" >/dev/null 2>&1 &
  DESKTOP_PIDS="$DESKTOP_PIDS $!"
  websockify --web "$NOVNC_WEB" "$NOVNC_BIND:$NOVNC_PORT" "127.0.0.1:$VNC_PORT" >"$LOGS/websockify.log" 2>&1 &
  DESKTOP_PIDS="$DESKTOP_PIDS $!"
  export DISPLAY="$DISP"
  log "desktop on $DISP: vnc 127.0.0.1:$VNC_PORT, noVNC $NOVNC_BIND:$NOVNC_PORT"
  return 0
}
case "$DESKTOP" in
  off) log "desktop disabled (CLAWBOX_DESKTOP=off)" ;;
  on) start_desktop || exit 1 ;;
  *) start_desktop || unset DISPLAY ;;
esac

stop_desktop() {
  [ -n "$DESKTOP_PIDS" ] && kill $DESKTOP_PIDS 2>/dev/null
  DESKTOP_PIDS=""
}

# --- 3. gateway -------------------------------------------------------------------------------
log "starting gateway on 127.0.0.1:$PORT (state $STATE)"
"$NODE_BIN" "$ENTRY" gateway run --allow-unconfigured --bind loopback --port "$PORT" --auth token &
GW=$!
forward() {
  log "received $1, stopping gateway (pid $GW)"
  kill -TERM "$GW" 2>/dev/null
}
trap 'forward SIGTERM' TERM
trap 'forward SIGINT' INT
# `wait` returns early when a trapped signal arrives: keep waiting until the gateway is gone.
while :; do
  wait "$GW"
  code=$?
  kill -0 "$GW" 2>/dev/null || break
done
stop_desktop
log "gateway exited with code $code"
exit "$code"
