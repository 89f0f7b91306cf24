#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds autorec and trains I-AutoRec on the embedded
# MovieLens ml-latest-small data, printing the test RMSE and MAE and writing the learning
# curve to build/learning-curve.{csv,svg}. Extra arguments go to autorec-train.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2 --target autorec-train autorec-recommend
./build/examples/autorec-train --curve build/learning-curve "$@"
