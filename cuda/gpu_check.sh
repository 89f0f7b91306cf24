#!/usr/bin/env bash
# The GPU checks, as one script for a machine with an NVIDIA GPU (the device tool runs it in
# the repository root and brings back what it writes under $OUT): builds the CUDA target,
# runs the GPU-vs-CPU tests, then times training passes on ML-1M-shaped and Netflix-shaped
# data on the GPU beside the CPU.
set -uo pipefail
out=${OUT:-gpu-check}
mkdir -p "$out"
{
  nvidia-smi || true
  nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
  cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DAUTOREC_CUDA=ON -DCMAKE_CUDA_COMPILER="$nvcc" \
    -DAUTOREC_BUILD_EXAMPLES=ON -DAUTOREC_BUILD_BENCHMARKS=ON -DAUTOREC_BUILD_TESTS=ON
  cmake --build build-gpu -j"$(nproc)" --target autorec_gpu_tests bench_training_pass
  ./build-gpu/tests/autorec_gpu_tests
  for shape in ml1m netflix; do
    ./build-gpu/bench/bench_training_pass --shape "$shape" --passes 5 --device cuda
  done
  ./build-gpu/bench/bench_training_pass --shape ml1m --passes 5 --device cpu
} 2>&1 | tee "$out/gpu-check.log"
