#!/usr/bin/env bash
# Builds the kernel binaries that go into the jar; Maven runs it in the process-resources phase.
#
#   kernels/build.sh CLASSES_DIR JAVA_HOME
#
#   CLASSES_DIR/kernels/betavae.fatbin                     nvcc: SASS sm_80 + sm_90, PTX compute_90
#   CLASSES_DIR/native/linux-x86_64/libbetavae_host.so     g++: the same kernels run on the CPU (JNI), plus
#                                                          the harness self-test kernels and, when the
#                                                          source tree has them, src/test/kernels/faults.cu
#
# A missing compiler skips its output with a warning, so a build without CUDA still works (the CUDA
# backend then says the jar has no kernels); with CI=true a missing compiler is an error.
# NVCC / CXX override the compilers.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: build.sh CLASSES_DIR JAVA_HOME}"
java_home="${2:-${JAVA_HOME:-}}"
nvcc="${NVCC:-nvcc}"
cxx="${CXX:-g++}"

missing() {
  if [[ "${CI:-}" == "true" ]]; then
    echo "[kernels] ERROR: $1 not found; CI builds must produce $2" >&2
    exit 1
  fi
  echo "[kernels] WARNING: $1 not found; skipping $2" >&2
}

# Rebuild only when a source is newer than the output: nvcc alone takes seconds.
stale() {
  local target="$1"
  [[ ! -f "$target" ]] && return 0
  local dirs=("$here")
  [[ -d "$here/../src/test/kernels" ]] && dirs+=("$here/../src/test/kernels")
  [[ -n "$(find "${dirs[@]}" \( -name '*.cu' -o -name '*.cuh' -o -name '*.h' -o -name '*.cpp' \) -newer "$target" -print -quit)" ]]
}

fatbin="$out/kernels/betavae.fatbin"
if command -v "$nvcc" >/dev/null 2>&1; then
  if stale "$fatbin"; then
    mkdir -p "$out/kernels"
    # -Xptxas -v: registers, shared memory and spills per kernel for sm_80 and sm_90, tabulated into
    # kernels/resources.md beside the fatbin; a spill fails the build (it would cost every launch).
    "$nvcc" -fatbin -O3 -std=c++17 -lineinfo -Xptxas -v \
      -gencode arch=compute_80,code=sm_80 \
      -gencode arch=compute_90,code=sm_90 \
      -gencode arch=compute_90,code=compute_90 \
      -o "$fatbin.tmp" "$here/all.cu" 2> "$fatbin.ptxas" || { cat "$fatbin.ptxas" >&2; exit 1; }
    if ! awk -f "$here/ptxas_table.awk" "$fatbin.ptxas" > "$out/kernels/resources.md"; then
      cat "$out/kernels/resources.md" >&2
      echo "[kernels] ERROR: a kernel spills registers or uses more than 48 KiB of static shared memory (table above, from ptxas -v)" >&2
      exit 1
    fi
    rm -f "$fatbin.ptxas"
    mv "$fatbin.tmp" "$fatbin"
    echo "[kernels] built $fatbin (resources per kernel: $out/kernels/resources.md)"
  fi
else
  missing nvcc "kernels/betavae.fatbin"
fi

so="$out/native/linux-x86_64/libbetavae_host.so"
if command -v "$cxx" >/dev/null 2>&1; then
  if stale "$so"; then
    if [[ -z "$java_home" || ! -f "$java_home/include/jni.h" ]]; then
      echo "[kernels] ERROR: jni.h not found under '$java_home/include'; pass a JDK home" >&2
      exit 1
    fi
    mkdir -p "$(dirname "$so")"
    "$cxx" -O2 -shared -fPIC -std=c++17 -Wall -Wno-unknown-pragmas -Wno-unused-parameter \
      -I"$java_home/include" -I"$java_home/include/linux" -I"$here/host" \
      -o "$so.tmp" "$here/host/harness.cpp" "$here/host/host_device.cpp"
    mv "$so.tmp" "$so"
    echo "[kernels] built $so"
  fi
else
  missing "$cxx" "native/linux-x86_64/libbetavae_host.so"
fi
