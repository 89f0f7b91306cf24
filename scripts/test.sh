#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds autorec and runs every test: CTest, then the Python
# package installed with pip and its pytest suite (scripts/python-package.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2
ctest --test-dir build -j2 --output-on-failure
bash scripts/python-package.sh
