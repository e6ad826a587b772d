#!/usr/bin/env bash
# Compiles one of bench/cuda's variant programs with g++ against the host-execution harness
# (kernels/host, DESIGN §4) and runs it: every variant checked against the CPU reference, no timing.
#
#   bench/cuda/run-host.sh dense_forward [variant] [B IN OUT]
#
# The binary goes to target/bench-cuda/ (CXX overrides g++). On a GPU, compile the same file with
# nvcc instead (see its first lines) to check and time each variant.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
name="${1:?usage: run-host.sh PROGRAM [ARGS...] (PROGRAM: a .cu file of bench/cuda without .cu)}"
shift
src="$here/$name.cu"
[[ -f "$src" ]] || { echo "run-host.sh: no $src" >&2; exit 2; }
out="$root/target/bench-cuda"
mkdir -p "$out"
bin="$out/$name"
if [[ ! -x "$bin" || -n "$(find "$src" "$root/kernels" -newer "$bin" -print -quit)" ]]; then
  "${CXX:-g++}" -O2 -std=c++17 -Wall -Wno-unknown-pragmas -Wno-unused-parameter -Wno-unused-function \
    -I"$root/kernels/host" -o "$bin.tmp" -x c++ "$src" -x none "$root/kernels/host/harness.cpp"
  mv "$bin.tmp" "$bin"
fi
exec "$bin" "$@"
