#!/usr/bin/env bash
# Starts autorec-serve on a free loopback port with MODEL (and any server options after --),
# runs serve_abuse against it, stops it. Exit status: serve_abuse's.
#   bench/serve_abuse.sh MODEL [serve_abuse options] [-- autorec-serve options]
# The binaries: $AUTOREC_SERVE and $SERVE_ABUSE, else build/examples/autorec-serve and
# build/bench/serve_abuse (AUTOREC_BUILD_DIR changes build/).
set -euo pipefail
model=$1
shift
abuse_options=()
while (($#)) && [ "$1" != -- ]; do abuse_options+=("$1"); shift; done
(($#)) && shift
build=${AUTOREC_BUILD_DIR:-build}
serve=${AUTOREC_SERVE:-$build/examples/autorec-serve}
abuse=${SERVE_ABUSE:-$build/bench/serve_abuse}
log=$(mktemp)
"$serve" --model "$model" --port 0 "$@" > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 300); do grep -q "on http" "$log" && break; sleep 0.1; done
port=$(grep -o ':[0-9]*$' "$log" | tr -d :)
[ -n "$port" ] || { cat "$log"; exit 1; }
head -1 "$log"
"$abuse" --model "$model" --port "$port" --pid "$server" "${abuse_options[@]}"
