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
source "$(dirname "$0")/serve_background.sh"
start_server "${AUTOREC_SERVE:-$build/examples/autorec-serve}" "$model" "$@"
"${SERVE_ABUSE:-$build/bench/serve_abuse}" --model "$model" --port "$port" --pid "$server" "${abuse_options[@]}"
