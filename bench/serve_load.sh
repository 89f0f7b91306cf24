#!/usr/bin/env bash
# Starts autorec-serve on a free loopback port with MODEL, runs serve_load against it, stops it.
#   bench/serve_load.sh MODEL [serve_load options]     (from the repository root, after building)
set -euo pipefail
model=$1
shift
build=${AUTOREC_BUILD_DIR:-build}
log=$(mktemp)
"$build/examples/autorec-serve" --model "$model" --port 0 > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q "on http" "$log" && break; sleep 0.1; done
port=$(grep -o ':[0-9]*$' "$log" | tr -d :)
[ -n "$port" ] || { cat "$log"; exit 1; }
head -1 "$log"
"$build/bench/serve_load" --model "$model" --port "$port" "$@"
