#!/usr/bin/env bash
# Builds bench/cuda's variant programs for a GPU with nvcc (SASS for sm_80 and sm_90), into DIR
# (default target/bench-cuda/gpu). The binaries link the CUDA runtime statically, so a machine with
# only the driver runs them; bench/gpu-kit.sh runs them from BUNDLE/bench-cuda/ (its variants step).
#
#   bench/cuda/build-gpu.sh [DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dir="${1:-$root/target/bench-cuda/gpu}"
command -v "${NVCC:-nvcc}" >/dev/null || { echo "build-gpu.sh: nvcc not found" >&2; exit 2; }
mkdir -p "$dir"
for src in "$here"/*.cu; do
  name="$(basename "$src" .cu)"
  "${NVCC:-nvcc}" -O3 -std=c++17 -lineinfo \
    -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
    -o "$dir/$name" "$src" -ldl
  echo "build-gpu.sh: built $dir/$name"
done
