#!/usr/bin/env bash
# Builds the library and the benchmarks, runs the CPU suite, and writes JMH's JSON, the log and the
# markdown summary (the tables of RESULTS.md) to bench/results/.
#
#   bench/run-cpu.sh                 full suite: 1 fork, 3 warmup and 5 measured iterations
#   SMOKE=1 bench/run-cpu.sh         1 warmup + 1 measured iteration of 1 s: proves everything runs
#   BENCH='SgemmBench' THREADS=2 bench/run-cpu.sh    a subset (BENCH is a JMH regex)
#   SKIP_BUILD=1 bench/run-cpu.sh    reuse bench/target/benchmarks.jar
#   JMH_OPTS='-f 2 -wi 5 -i 10' bench/run-cpu.sh     your own JMH settings
#
# Run it on an otherwise idle machine: the anchors use every core they are given, and a busy
# neighbour moves the numbers far more than the error bars show.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
bench="${BENCH:-.*Bench}"
threads="${THREADS:-1,2}"
if [[ "${SMOKE:-0}" == 1 ]]; then
  opts="${JMH_OPTS:--f 1 -wi 1 -i 1 -w 1s -r 1s}"
  tag=smoke
else
  opts="${JMH_OPTS:--f 1 -wi 3 -i 5}"
  tag=cpu
fi

# libnd4j's OpenMP workers spin while idle by default, taking cycles from OpenBLAS's threads
# between ops; on a small machine DL4J's step measured up to ~1.5x faster with them sleeping.
# Forks inherit this. Our engine does not use OpenMP, so only the peer is affected.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

# ND4J ships OpenBLAS 0.3.19, which picks its kernels by CPU model and falls back to its SSE3
# "Prescott" kernels on Intel models newer than it knows (an AVX-512 Xeon of family 6 model 207 ran
# the anchor's products at about 20 GFLOP/s a core that way). Unless you choose one, on Intel the
# anchor gets the kernels of the widest vectors the CPU has, so it is measured at its best (on the
# AMD EPYC of earlier runs it reached AVX2 rates by itself, so AMD is left to OpenBLAS); the core it
# ran is written to the .env file from its own report (OPENBLAS_VERBOSE=2 makes every fork print it).
if [[ -z "${OPENBLAS_CORETYPE:-}" ]] && grep -q -m1 GenuineIntel /proc/cpuinfo 2>/dev/null; then
  if grep -q -w avx512f /proc/cpuinfo; then
    export OPENBLAS_CORETYPE=SkylakeX
  elif grep -q -w avx2 /proc/cpuinfo; then
    export OPENBLAS_CORETYPE=Haswell
  fi
fi
export OPENBLAS_VERBOSE=2

command -v mvn >/dev/null || { echo "run-cpu.sh: mvn not found on PATH" >&2; exit 2; }
command -v python3 >/dev/null || { echo "run-cpu.sh: python3 not found on PATH" >&2; exit 2; }

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "== building the library (mvn install, tests skipped)"
  (cd "$root" && mvn -B -q install -DskipTests)
  echo "== building the benchmarks"
  (cd "$here" && mvn -B -q package)
fi
jar="$here/target/benchmarks.jar"
[[ -f "$jar" ]] || { echo "run-cpu.sh: $jar missing; run without SKIP_BUILD=1" >&2; exit 2; }

mkdir -p "$here/results"
cd "$here/results"   # JMH prints the result path as given: keep it relative
stamp="$(date -u +%Y%m%d-%H%M%S)"
base="$tag-$stamp"

{
  echo "# machine"
  lscpu | grep -E '^(Model name|CPU family|Model:|CPU\(s\)|Thread\(s\) per core|Core\(s\) per socket|L3 cache)' || true
  echo "vector extensions: $(grep -o -w -E 'avx2|fma|avx512f|avx512bw|avx512_bf16' /proc/cpuinfo 2>/dev/null | sort -u | tr '\n' ' ')"
  echo "memory: $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "# java"
  java -version 2>&1
  echo "OMP_WAIT_POLICY=$OMP_WAIT_POLICY"
  echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset, OpenBLAS chooses}"
  echo "# load before the run"
  uptime
} > "$base.env"
cat "$base.env"

echo "== running: $bench, threads=$threads, $opts"
# shellcheck disable=SC2086  # opts is a list of JMH flags
java -jar "$jar" "$bench" -p threads="$threads" $opts -rf json -rff "$base.json" 2>&1 | tee "$base.log"

echo "# load after the run" >> "$base.env"
uptime >> "$base.env"
cores="$(grep -o -E '^Core: [A-Za-z0-9]+' "$base.log" | sort -u | sed 's/^Core: //' | tr '\n' ' ')"
echo "OpenBLAS cores the anchor ran: ${cores:-none reported}" >> "$base.env"
python3 "$here/summarize.py" "$base.json" > "$base.md"
cat "$base.md"
echo "== wrote bench/results/$base.{env,log,json,md}"
