#!/usr/bin/env bash
# Packaging checks that need their own configure runs:
#  1. with doctest, Google Benchmark and CLI11 hidden, autorec still configures (saying what is
#     off) and installs its headers, without the GPU headers when the CUDA target is off;
#  2. a host that uses add_subdirectory installs nothing of autorec's.
#   check_install.sh SOURCE_DIR WORK_DIR
set -euo pipefail
source_dir=$1
work=$2
rm -rf "$work"
mkdir -p "$work"

cmake -S "$source_dir" -B "$work/bare" -DCMAKE_DISABLE_FIND_PACKAGE_doctest=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON -DCMAKE_DISABLE_FIND_PACKAGE_CLI11=ON > "$work/bare.log"
for option in AUTOREC_BUILD_TESTS AUTOREC_BUILD_EXAMPLES AUTOREC_BUILD_BENCHMARKS; do
  grep -q "autorec: $option is off" "$work/bare.log" || { cat "$work/bare.log"; echo "no note that $option is off"; exit 1; }
done
cmake --install "$work/bare" --prefix "$work/prefix" > /dev/null
[ -f "$work/prefix/include/autorec/serve/scorer.hpp" ] || { echo "headers not installed"; exit 1; }
[ ! -e "$work/prefix/include/autorec/gpu" ] || { echo "GPU headers installed without the CUDA target"; exit 1; }
[ -f "$work/prefix/lib/cmake/autorec/autorecConfig.cmake" ] || [ -n "$(find "$work/prefix" -name autorecConfig.cmake)" ] \
  || { echo "no package config installed"; exit 1; }

cmake -S "$source_dir/tests/parent" -B "$work/parent" -DAUTOREC_SOURCE_DIR="$source_dir" > "$work/parent.log"
cmake --build "$work/parent" -j2 > /dev/null
"$work/parent/host"
cmake --install "$work/parent" --prefix "$work/parent-prefix" > /dev/null
if [ -e "$work/parent-prefix/include" ] || [ -n "$(find "$work/parent-prefix" -name 'autorec*')" ]; then
  echo "add_subdirectory installed autorec's files:"; find "$work/parent-prefix"; exit 1
fi
[ -x "$work/parent-prefix/bin/host" ] || { echo "the host's own install rule did not run"; exit 1; }
echo "packaging checks passed"
