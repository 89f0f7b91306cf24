#!/usr/bin/env bash
# The GPU checks, as one script for a machine with an NVIDIA GPU (the device tool runs it in
# the repository root and brings back what it writes under $OUT): builds the CUDA target,
# runs the GPU-vs-CPU tests (and, if one fails, the same tests under compute-sanitizer),
# times training passes on ML-1M-shaped and Netflix-shaped data on the GPU beside the CPU,
# profiles the ML-1M-shaped pass by kernel where Nsight Systems or Nsight Compute is found,
# and, when AUTOREC_ML1M names the ML-1M ratings file, trains I-AutoRec on it on both and
# runs the paper's protocol (bench/reproduce.sh's ML-1M rows) with training on the GPU.
#
# AUTOREC_SHAPES picks the generated shapes to time (default "ml1m netflix").
#
# Dependencies are found through CMake's usual search; on a machine without the Debian
# packages, point CMAKE_PREFIX_PATH at a copy of them (their headers and CMake files).
set -uo pipefail
out=${OUT:-gpu-check}
mkdir -p "$out"
log="$out/gpu-check.log"
step() { echo "== $*"; }
{
  nvidia-smi || true
  nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
  step configure
  cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DAUTOREC_CUDA=ON -DCMAKE_CUDA_COMPILER="$nvcc" \
    -DAUTOREC_BUILD_EXAMPLES=ON -DAUTOREC_BUILD_BENCHMARKS=ON -DAUTOREC_BUILD_TESTS=ON || exit 1
  step build
  timeout 400 cmake --build build-gpu -j"$(nproc)" --target autorec_gpu_tests bench_training_pass autorec-train reproduce_paper \
    || exit 1

  step "GPU tests"
  if ! timeout 240 ./build-gpu/tests/autorec_gpu_tests --duration=true; then
    step "GPU tests failed: again under compute-sanitizer (memcheck)"
    timeout 240 compute-sanitizer --tool memcheck --print-limit 20 ./build-gpu/tests/autorec_gpu_tests
  fi

  for shape in ${AUTOREC_SHAPES:-ml1m netflix}; do
    step "training pass, $shape shape, GPU"
    timeout 240 ./build-gpu/bench/bench_training_pass --shape "$shape" --passes 5 --device cuda
  done
  # What bounds the pass: each kernel's share of the time (Nsight Systems) and its memory and
  # compute throughput against the card's peaks (Nsight Compute's speed-of-light section, for
  # the kernels of one pass after the first, which includes the set-up).
  tools=$(dirname "$nvcc")
  nsys=$(command -v nsys || ls "$tools"/nsys /opt/nvidia/nsight-systems*/bin/nsys 2>/dev/null | head -n 1)
  ncu=$(command -v ncu || ls "$tools"/ncu /opt/nvidia/nsight-compute*/ncu 2>/dev/null | head -n 1)
  if [[ -n "$nsys" ]]; then
    step "kernel times of 5 ml1m-shaped passes ($nsys)"
    timeout 180 "$nsys" profile --stats=true --force-overwrite=true -o "$out/ml1m-pass" \
      ./build-gpu/bench/bench_training_pass --shape ml1m --passes 5 --device cuda
  else
    step "kernel times: no nsys found (looked on PATH, in $tools and /opt/nvidia)"
  fi
  if [[ -n "$ncu" ]]; then
    step "speed of light of one ml1m-shaped pass's kernels ($ncu)"
    timeout 240 "$ncu" --section SpeedOfLight --launch-skip 16 --launch-count 16 \
      ./build-gpu/bench/bench_training_pass --shape ml1m --passes 3 --device cuda
  else
    step "speed of light: no ncu found (looked on PATH, in $tools and /opt/nvidia)"
  fi

  step "training pass, ml1m shape, CPU ($(nproc) threads)"
  timeout 120 ./build-gpu/bench/bench_training_pass --shape ml1m --passes 5 --device cpu

  if [[ -n "${AUTOREC_ML1M:-}" && -f "${AUTOREC_ML1M}" ]]; then
    for device in cuda cpu; do
      step "I-AutoRec on ML-1M, $device"
      timeout 300 ./build-gpu/examples/autorec-train --data "$AUTOREC_ML1M" --device "$device" \
        --lambda 200 --seed 1 --curve "$out/ml1m-$device"
    done
    step "paper protocol on ML-1M, trained on the GPU"
    timeout 200 ./build-gpu/bench/reproduce_paper --device cuda --data "$AUTOREC_ML1M" --variant item \
      --splits 5 --lambda 200 --lambda 300
    timeout 300 ./build-gpu/bench/reproduce_paper --device cuda --data "$AUTOREC_ML1M" --variant user \
      --splits 5 --lambda 60 --lambda 100
  fi
} 2>&1 | tee "$log"
