#!/usr/bin/env bash
# The Python package as a user installs it: a virtual environment that sees Debian's numpy,
# scipy and pytest, `pip install --no-build-isolation .`, then its tests (python/tests, run
# against the installed package) and examples/python/quickstart.py. The tests that compare
# with autorec-train and autorec-recommend read them from build/examples (scripts/test.sh
# builds them first); without them those tests skip.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=build-python/venv
mkdir -p build-python
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$venv"
"$venv/bin/pip" install --no-build-isolation --no-deps --disable-pip-version-check -q .
cd build-python  # away from the sources, so `import autorec` is the installed package
AUTOREC_BIN="$root/build/examples" AUTOREC_SOURCE="$root" \
  "$root/$venv/bin/python" -m pytest -q -p no:cacheprovider "$root/python/tests"
"$root/$venv/bin/python" "$root/examples/python/quickstart.py"
