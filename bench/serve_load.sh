#!/usr/bin/env bash
# Starts autorec-serve on a free loopback port with MODEL, runs serve_load against it, stops it.
#   bench/serve_load.sh MODEL [serve_load options]     (from the repository root, after building)
set -euo pipefail
model=$1
shift
build=${AUTOREC_BUILD_DIR:-build}
source "$(dirname "$0")/serve_background.sh"
start_server "$build/examples/autorec-serve" "$model"
"$build/bench/serve_load" --model "$model" --port "$port" "$@"
