#!/usr/bin/env bash
# Installs the Debian packages autorec's build, tests, benchmarks and examples need, when any
# is missing, and any extra packages named as arguments (CI adds clang for fuzzing). Needs root
# (or sudo) only when something has to be installed.
set -euo pipefail
packages=(cmake make g++ pkg-config libeigen3-dev doctest-dev libbenchmark-dev libcli11-dev libcpp-httplib-dev nlohmann-json3-dev
  libopenmpi-dev openmpi-bin
  pybind11-dev python3-dev python3-numpy python3-scipy python3-pytest python3-venv python3-pip python3-setuptools
  python3-wheel "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q "${missing[@]}"
fi
