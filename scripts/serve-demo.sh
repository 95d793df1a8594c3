#!/usr/bin/env bash
# Serve the demo: the web server and the task worker side by side; Ctrl-C stops both.
set -euo pipefail
BIN=.venv/bin
"$BIN/amends" worker &
WORKER=$!
"$BIN/amends" sweeper --interval 60 >/dev/null &
SWEEPER=$!
trap 'kill $WORKER $SWEEPER 2>/dev/null || true' EXIT INT TERM
echo
echo "Amends is running on http://127.0.0.1:8000"
echo "Log in as agent / supervisor / admin, password: amends-demo"
echo "API token for curl: run 'DEBUG=1 $BIN/amends api_token create admin' in another terminal."
echo
"$BIN/amends" runserver 127.0.0.1:8000
