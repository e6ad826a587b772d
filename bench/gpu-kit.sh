#!/usr/bin/env bash
# The GPU validation kit: everything a GPU machine should check about the CUDA engine, in one go.
#
#   bash bench/gpu-kit.sh BUNDLE OUT
#
# BUNDLE is a directory with the build outputs, laid out as
#   classes/ test-classes/     the root project's compiled main and test classes (kernels inside)
#   lib/*.jar                  their runtime and test dependencies
#   junit-console.jar          JUnit's console launcher (junit-platform-console-standalone)
#   benchmarks.jar             the lean JMH jar: cd bench && mvn -Pgpu clean package
#   jre.tgz                    optional: a Java runtime (jre/bin/java) for machines without Java
#   bench-cuda/                optional: bench/cuda's variant programs (bench/cuda/build-gpu.sh BUNDLE/bench-cuda)
#   bench-cuda.tar.xz          or the same directory as an archive (tar cJf bench-cuda.tar.xz bench-cuda): the
#                              programs share their kernels, so it is ~1 MB instead of ~20, which keeps the
#                              bundle within what one device call carries
# and OUT receives at most eight files: kit.log (every step's output), summary.md (step status and
# the result tables), jmh-<class>.json (one per benchmark run: GpuTrainStepBench, GpuDenseBench,
# GpuOpsBench, GpuTrainStepBenchConv), torch.jsonl, junit.xml. Java
# comes from $JAVA, else java on PATH, else BUNDLE/jre.tgz. Run it from anywhere: the scripts
# beside this one are used.
#
# Steps, in order (the most valuable first, so a budget cut loses the least); each logs to kit.log,
# a failing step does not stop the others, and a missing tool, library or GPU is reported in one
# line as "skipped":
#   env          nvidia-smi, Java, Python/PyTorch, compute-sanitizer, libcublas.so.12; GpuProbe
#   tests        the tests tagged gpu (the CUDA op parity suite on the real GPU)
#   memcheck     compute-sanitizer memcheck (+ leak check) on a 20-step training run of a small net
#   racecheck, synccheck, initcheck   the other three sanitizer tools on GpuTrainCheck (small net)
#   train-check  GpuTrainCheck on a small net and on the conv net, through the trainer's resident path:
#                graph = eager = streamed, GPU = CPU
#   profile      `train --profile --graph off` on the default net (dSprites subset, resident) at batch 64
#                and 1024: the GPU time per kernel per step, as tables in summary.md
#   bench        JMH GpuTrainStepBench (Trainer.run, eager and graph; batch 64 and 1024; FP32 and TF32; the default net) here,
#                and GpuDenseBench, GpuOpsBench and GpuTrainStepBenchConv (the same for the --arch conv net)
#                after torch; one run per class
#   torch        bench/torch_vae.py: PyTorch's train step and dense products on the same GPU
#   variants     bench/cuda's numbered dense-product variants, forward and backward (BUNDLE/bench-cuda/,
#                from bench/cuda/build-gpu.sh; or built here when nvcc is on PATH): each checked
#                against its CPU reference and timed beside cuBLAS, on the model's three large
#                products at batch 64 and 1024; then the conv program (direct vs implicit GEMM) on
#                the --arch conv layers at batch 64
#   check        our checkpoint loaded into PyTorch; its recon/KL against our `eval`
#   summary      bench/summarize.py over jmh-*.json and torch.jsonl
#
# Knobs (environment): KIT_STEPS (space-separated subset of the steps above), KIT_BUDGET_S (total
# seconds, default 360: each step's time limit is cut so the whole kit ends within it),
# KIT_JMH_CLASSES (default "GpuTrainStepBench GpuOpsBench GpuDenseBench GpuTrainStepBenchConv"), JMH_PARAMS (default
# "-p batch=64,1024"; GpuTrainStepBench also knows 256 and 4096, GpuDenseBench 1024), JMH_OPTS (default "-f 1 -wi 2 -i 3"),
# TORCH_OPTS (extra torch_vae.py arguments), KIT_TRAIN_DEVICE (device of the check step's training
# run and eval, default cuda; cpu tries the plumbing on a machine without a GPU), KIT_TRAIN_STEPS
# (steps of that run, default 20).
#
# Exit status: 0 every step passed or was skipped for a missing tool; 1 a step failed; 3 nothing
# failed but no GPU answered, so nothing was measured.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ $# -lt 1 ]]; then
  echo "usage: bash bench/gpu-kit.sh BUNDLE_DIR [OUT_DIR]" >&2
  exit 2
fi
bundle=$(cd "$1" 2>/dev/null && pwd) || { echo "gpu-kit: no bundle directory $1" >&2; exit 2; }
out=${2:-${OUT:-gpu-kit-out}}
mkdir -p "$out" && out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/betavae-gpu-kit.XXXXXX")
log="$out/kit.log"
: > "$log"
start=$(date +%s)
budget=${KIT_BUDGET_S:-360}
steps=${KIT_STEPS:-env tests memcheck racecheck synccheck initcheck train-check profile bench torch variants check summary}
status=()   # "step: ok|FAILED|skipped: detail", in order
failed=0

say() { echo "$*" | tee -a "$log"; }
notime=0    # set by run when the budget had no time left for it
record() {  # record STEP STATE DETAIL
  local state=$2 detail=${3:-}
  if [[ $state == FAILED ]] && (( notime )); then state=skipped detail="no time left in the ${budget} s budget (KIT_BUDGET_S)"; fi
  notime=0
  status+=("$1: $state${detail:+: $detail}")
  [[ $state == FAILED ]] && failed=$((failed + 1))
  say "== $1: $state${detail:+: $detail}"
}
wanted() { [[ " $steps " == *" $1 "* ]]; }
remaining() { echo $(( budget - ($(date +%s) - start) )); }
# limit STEP_MAX: seconds a step may take, keeping 20 s for the summary; 0 when none are left
limit() {
  local r=$(( $(remaining) - 20 ))
  (( r > $1 )) && r=$1
  (( r < 10 )) && r=0
  echo "$r"
}
# run STEP MAX CMD...: runs CMD under a time limit, output to the console and kit.log; sets rc
run() {
  local step=$1 max=$2; shift 2
  local t; t=$(limit "$max")
  if (( t == 0 )); then rc=125 notime=1; say "-- $step: no time left in the ${budget} s budget"; return; fi
  say "-- $step: $* (limit ${t} s)"
  timeout -k 10 "$t" "$@" > >(tee -a "$log") 2>&1
  rc=$?
  sleep 0.2  # let tee drain
}

say "gpu-kit: bundle $bundle, output $out, budget ${budget} s, steps: $steps"
say "gpu-kit: started $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -srm)"

# ------------------------------------------------------------------ what is here
java=""
if [[ -n "${JAVA:-}" && -x "${JAVA:-}" ]]; then
  java=$JAVA
elif command -v java >/dev/null 2>&1; then
  java=$(command -v java)
elif [[ -f "$bundle/jre.tgz" ]]; then
  mkdir -p "$work/jre" && tar -C "$work/jre" -xzf "$bundle/jre.tgz" && java="$work/jre/jre/bin/java"
  [[ -x $java ]] || java=""
fi
cp="$bundle/classes:$bundle/test-classes"
for j in "$bundle"/lib/*.jar; do [[ -e $j ]] && cp="$cp:$j"; done
jar="$bundle/benchmarks.jar"
cli=""
[[ -f "$bundle/classes/io/github/betavae/cli/Main.class" ]] && cli=io.github.betavae.cli.Main
sanitizer=$(command -v compute-sanitizer 2>/dev/null || ls /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda-*/bin/compute-sanitizer 2>/dev/null | head -n1)
python=$(command -v python3 2>/dev/null || true)
have_torch=0
[[ -n $python ]] && "$python" -c 'import torch' >/dev/null 2>&1 && have_torch=1
have_gpu=0

# libcublas.so.12 for JCublas 12.6.0 (the cuBLAS anchor): the loader path, CUDA 12 installs, pip wheels
cublas_dir=""
find_cublas12() {
  if ldconfig -p 2>/dev/null | grep -q 'libcublas\.so\.12 '; then echo "(loader cache)"; return; fi
  local d llp=${LD_LIBRARY_PATH:-}
  for d in ${llp//:/ } /usr/local/cuda/lib64 /usr/local/cuda-12*/lib64 /usr/local/cuda-12*/targets/x86_64-linux/lib /usr/lib/x86_64-linux-gnu; do
    [[ -e "$d/libcublas.so.12" ]] && { echo "$d"; return; }
  done
  [[ -n $python ]] && "$python" - <<'PY' 2>/dev/null
import os, sys
for p in sys.path:
    d = os.path.join(p, "nvidia", "cublas", "lib")
    if os.path.exists(os.path.join(d, "libcublas.so.12")):
        print(d)
        break
PY
}

if wanted env; then
  say "-- env"
  if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi 2>&1 | tee -a "$log"
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit --format=csv 2>&1 | tee -a "$log"
  else
    say "nvidia-smi: not found (no NVIDIA driver tools on this machine)"
  fi
  if [[ -n $java ]]; then say "java: $java: $("$java" -version 2>&1 | head -n1)"; else say "java: not found (set JAVA, put java on PATH, or add jre.tgz to the bundle): the Java steps are skipped"; fi
  if [[ -n $python ]]; then
    say "python: $("$python" --version 2>&1)"
    if (( have_torch )); then
      say "torch: $("$python" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda, "device:", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none visible")' 2>&1 | tail -n1)"
    else
      say "torch: not importable: the PyTorch comparison is skipped, the checkpoint check uses numpy"
    fi
  else
    say "python3: not found: the PyTorch comparison, the checkpoint check and the summary are skipped"
  fi
  if [[ -n $sanitizer ]]; then say "compute-sanitizer: $sanitizer ($("$sanitizer" --version 2>&1 | grep -i version | head -n1))"; else say "compute-sanitizer: not found: memcheck, racecheck, synccheck and initcheck are skipped"; fi
  [[ -f $jar ]] || say "benchmarks.jar: not in the bundle (build it with: cd bench && mvn -Pgpu clean package)"
  [[ -f "$bundle/junit-console.jar" ]] || say "junit-console.jar: not in the bundle: the tests step is skipped"
  [[ -n $cli ]] || say "cli: this build has no io.github.betavae.cli.Main: memcheck runs GpuTrainCheck, and no checkpoint is checked"
fi
cublas_dir=$(find_cublas12 | head -n1)
if [[ -n $cublas_dir ]]; then
  [[ $cublas_dir != "(loader cache)" ]] && export LD_LIBRARY_PATH="$cublas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "libcublas.so.12: found in $cublas_dir: the JCublas anchor can run"
else
  say "libcublas.so.12: not found: GpuDenseBench runs our kernels only; torch_vae.py --gemm gives PyTorch's cuBLAS instead"
  # the variant programs take cuBLAS 13 as well (same C API): PyTorch's own copy, else the toolkit's
  cublas13=$(find /opt /usr/local/lib /usr/lib/python3* -name 'libcublas.so.13' -path '*nvidia*' 2>/dev/null | head -n1)
  [[ -z $cublas13 ]] && cublas13=$(ls /usr/local/cuda*/lib64/libcublas.so.13 2>/dev/null | head -n1)
  if [[ -n $cublas13 ]]; then
    export LD_LIBRARY_PATH="$(dirname "$cublas13")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    say "libcublas.so.13: $cublas13: the variant programs' anchor"
  fi
fi

if [[ -n $java && -f $jar ]]; then
  run env 60 "$java" -cp "$jar" io.github.betavae.bench.gpu.GpuProbe
  if (( rc == 0 )); then have_gpu=1; record env ok "$(grep '^probe:' "$log" | tail -n1 | sed 's/^probe: //')"
  elif (( rc == 3 )); then record env skipped "$(grep '^probe:' "$log" | tail -n1 | sed 's/^probe: //')"
  else record env FAILED "GpuProbe exited with $rc"; fi
elif wanted env; then
  record env skipped "no Java or no benchmarks.jar: cannot ask the CUDA driver"
fi

# ------------------------------------------------------------------ tests
if wanted tests; then
  if [[ -z $java || ! -f "$bundle/junit-console.jar" ]]; then
    record tests skipped "needs Java and junit-console.jar"
  else
    run tests 150 "$java" -jar "$bundle/junit-console.jar" execute --class-path "$cp" \
      --scan-class-path "$bundle/test-classes" --include-tag gpu --reports-dir "$work/junit" \
      --details=tree --disable-banner --disable-ansi-colors
    cp "$work"/junit/TEST-*.xml "$out/junit.xml" 2>/dev/null
    # "[   10 tests aborted   ]" lines → "10 found, 0 successful, 10 aborted, 0 skipped, 0 failed"
    counts=$(sed -n '/^-- tests:/,$p' "$log" | grep -E '^\[ +[0-9]+ tests (found|successful|aborted|skipped|failed) +\]' \
      | awk '{printf "%s%s %s", (n++ ? ", " : ""), $2, $4}')
    if (( rc == 0 )); then
      if (( have_gpu )); then record tests ok "$counts"; else record tests skipped "no GPU, the gpu tests skip themselves ($counts)"; fi
    else
      record tests FAILED "exit $rc ($counts)"
    fi
  fi
fi

# ------------------------------------------------------------------ sanitizers
# sanitize STEP TOOL MAX ARGS...: one compute-sanitizer tool on a Java main
sanitize() {
  local step=$1 tool=$2 max=$3; shift 3
  if ! wanted "$step"; then return; fi
  if [[ -z $sanitizer ]]; then record "$step" skipped "compute-sanitizer not found"; return; fi
  if [[ -z $java || ! -f $jar ]]; then record "$step" skipped "needs Java and benchmarks.jar"; return; fi
  if (( ! have_gpu )); then record "$step" skipped "no GPU"; return; fi
  local opts=(--tool "$tool" --error-exitcode 9 --print-limit 20)
  [[ $tool == memcheck ]] && opts+=(--leak-check full)
  run "$step" "$max" "$sanitizer" "${opts[@]}" "$java" "$@"
  local summary; summary=$(sed -n "/^-- $step:/,\$p" "$log" | grep -E '^========= (ERROR SUMMARY|RACECHECK SUMMARY|LEAK SUMMARY)' \
    | tail -n2 | sed 's/^========= //' | awk '{printf "%s%s", (n++ ? " | " : ""), $0}')
  if sed -n "/^-- $step:/,\$p" "$log" | grep -q 'Device not supported'; then
    # some container runtimes hide the device from the sanitizer although CUDA itself works
    record "$step" skipped "compute-sanitizer: Device not supported on this machine"
    return
  fi
  case $rc in
    0) record "$step" ok "${summary:-no errors}" ;;
    3) record "$step" skipped "no GPU" ;;
    9) record "$step" FAILED "${summary:-errors reported} (see kit.log)" ;;
    124|137) record "$step" FAILED "timed out" ;;
    *) record "$step" FAILED "exit $rc${summary:+; $summary}" ;;
  esac
}

run_dir="$work/run"
train_device=${KIT_TRAIN_DEVICE:-cuda}
if [[ -n $cli ]]; then
  train_args=(-cp "$cp" "$cli" train --device "$train_device" --data dsprites --subset 2048 --steps "${KIT_TRAIN_STEPS:-20}"
    --encoder 256 --decoder 256 --batch 64 --seed 1 --out "$run_dir" --quiet)
else
  train_args=(-cp "$jar" io.github.betavae.bench.gpu.GpuTrainCheck --net small --steps 4)
fi
small=(-cp "$jar" io.github.betavae.bench.gpu.GpuTrainCheck --net small --steps 2)
sanitize memcheck memcheck 120 "${train_args[@]}"
sanitize racecheck racecheck 90 "${small[@]}"
sanitize synccheck synccheck 60 "${small[@]}"
sanitize initcheck initcheck 60 "${small[@]}"

# ------------------------------------------------------------------ train-check
if wanted train-check; then
  if [[ -z $java || ! -f $jar ]]; then
    record train-check skipped "needs Java and benchmarks.jar"
  else
    for tnet in small conv; do
      run "train-check $tnet" 120 "$java" -cp "$jar" io.github.betavae.bench.gpu.GpuTrainCheck --net $tnet --steps 4
      case $rc in
        0) record "train-check $tnet" ok "trainer eager, graph replay, streamed batches and the CPU backend agree ($tnet net)" ;;
        3) record "train-check $tnet" skipped "no GPU" ;;
        *) record "train-check $tnet" FAILED "$(grep '^gpu-train-check: FAILED' "$log" | tail -n1 | sed 's/^gpu-train-check: FAILED: //') (exit $rc)" ;;
      esac
    done
  fi
fi

# ------------------------------------------------------------------ profile
# Where the step's GPU time goes: CUDA events around every launch (--graph off, so each kernel is
# timed on its own), averaged over the steps after the first. Tables for summary.md in $work/profile.md.
if wanted profile; then
  if [[ -z $cli || -z $java ]]; then
    record profile skipped "needs Java and the CLI"
  elif (( ! have_gpu )); then
    record profile skipped "no GPU"
  elif [[ -z $python ]]; then
    record profile skipped "no python3 to read profile.json"
  else
    pdone=""
    for b in 64 1024; do
      rm -rf "$work/profile-$b"
      run "profile $b" 120 "$java" -cp "$cp" "$cli" train --device cuda --data dsprites --subset 20000 --steps 30 \
        --batch "$b" --seed 1 --graph off --profile --out "$work/profile-$b" --quiet
      if (( rc == 0 )) && [[ -s "$work/profile-$b/profile.json" ]]; then
        "$python" - "$work/profile-$b/profile.json" "$b" > "$work/profile-$b.md" 2>>"$log" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
n = max(1, p["measured_steps"])
ks = p["kernels"]
total = sum(k["ms"] for k in ks) / n
print(f"### Batch {sys.argv[2]}: {total:.3f} ms of listed kernel time per step, {p['per_step']['launches']:.1f} launches per step")
print()
print("| kernel | calls per step | ms per step | share |")
print("|---|---:|---:|---:|")
for k in ks:
    ms = k["ms"] / n
    print(f"| `{k['name']}` | {k['calls'] / n:.1f} | {ms:.4f} | {100 * ms / total if total else 0:.1f}% |")
print()
PY
        cat "$work/profile-$b.md" | tee -a "$log" >> "$work/profile.md"
        pdone="$pdone $b"
      fi
    done
    if [[ -n $pdone ]]; then record profile ok "kernel times per step at batch$pdone (summary.md)"
    else record profile FAILED "no profile.json written (kit.log)"; fi
  fi
fi

# ------------------------------------------------------------------ bench
# jmh_run STEP MAX FILE ARGS...: one JMH run; sets jres (results), jfail (failed benchmarks), jmiss
# (of those, failed for the missing cuBLAS 12 library only) and jlines (distinct failure lines)
jmh_run() {
  local step=$1 max=$2 file=$3; shift 3
  local mark; mark=$(wc -l < "$log")
  rm -f "$file"
  run "$step" "$max" "$java" -jar "$jar" "$@" -rf json -rff "$file"
  local part; part=$(tail -n +"$((mark + 1))" "$log")
  local lines; lines=$(grep -A2 '<failure>' <<<"$part" | grep -E 'Exception|Error|Unavailable' | sed -E 's/^[a-zA-Z0-9_.$]+: //')
  jfail=$(grep -c '<failure>' <<<"$part")
  jmiss=$(grep -c '^cuBLAS anchor unavailable' <<<"$lines")
  jres=$("${python:-false}" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$file" 2>/dev/null || echo 0)
  # the distinct failure lines, most frequent first: "no GPU: … | cuBLAS anchor unavailable: … (×20)"
  jlines=$(grep -v '^$' <<<"$lines" | sort | uniq -c | sort -rn | head -n3 \
    | awk '{c=$1; $1=""; sub(/^ /, ""); printf "%s%s%s", (n++ ? " | " : ""), $0, (c > 1 ? " (×" c ")" : "")}')
}

# bench_classes CLASS...: one JMH run per class (those of KIT_JMH_CLASSES, when set)
bench_classes() {
  if ! wanted bench; then return; fi
  if [[ -z $java || ! -f $jar ]]; then
    record bench skipped "needs Java and benchmarks.jar"
  elif (( ! have_gpu )); then
    [[ " $* " == *" GpuTrainStepBench "* ]] || return
    # every benchmark would fail the same way: show it once, on the smallest one
    jmh_run bench 60 "$out/jmh-GpuTrainStepBench.json" 'io.github.betavae.bench.gpu.GpuTrainStepBench.oursTrainerEager$' \
      -p batch=64 -p arch=mlp -f 1 -wi 1 -i 1
    if (( rc != 0 )); then record bench FAILED "JMH exited with $rc${jlines:+: $jlines}"
    else record bench skipped "no GPU; one benchmark tried, it failed as it should, in one line: $jlines"; fi
  else
    # one JMH run (and JSON file) per class, most telling first: JMH writes its file only at the
    # end, so a run cut short by the time budget loses that class alone
    for cls in "$@"; do
      [[ -n ${KIT_JMH_CLASSES:-} && " $KIT_JMH_CLASSES " != *" $cls "* ]] && continue
      extra=() pattern="io.github.betavae.bench.gpu.$cls\."
      [[ $cls == GpuDenseBench && -z ${JMH_PARAMS:-} ]] && extra=(-p precision=fp32,tf32)
      # without cuBLAS 12 every JCublas benchmark would spend a fork failing: ours only
      [[ $cls == GpuDenseBench && -z $cublas_dir ]] && pattern='io.github.betavae.bench.gpu.GpuDenseBench\.ours'
      # the train step: the default net first, the conv net (GpuTrainStepBenchConv) after the anchors
      [[ $cls == GpuTrainStepBench && -z ${JMH_PARAMS:-} ]] && extra=(-p arch=mlp -p precision=fp32,tf32)
      if [[ $cls == GpuTrainStepBenchConv ]]; then
        pattern='io.github.betavae.bench.gpu.GpuTrainStepBench\.'
        [[ -z ${JMH_PARAMS:-} ]] && extra=(-p arch=conv)
      fi
      # shellcheck disable=SC2086  # JMH_PARAMS and JMH_OPTS are lists of flags
      jmh_run "bench $cls" 300 "$out/jmh-$cls.json" "$pattern" ${JMH_PARAMS:--p batch=64,1024} \
        "${extra[@]}" ${JMH_OPTS:--f 1 -wi 2 -i 3}
      detail="$jres results in jmh-$cls.json"
      if (( rc != 0 )); then record "bench $cls" FAILED "JMH exited with $rc; $detail${jlines:+; $jlines}"
      elif (( jfail > jmiss )); then record "bench $cls" FAILED "$detail; $jfail benchmarks failed: $jlines"
      elif (( jmiss > 0 )); then record "bench $cls" ok "$detail; the JCublas anchor is missing here: $jlines"
      else record "bench $cls" ok "$detail"; fi
    done
  fi
}

bench_classes GpuTrainStepBench

# ------------------------------------------------------------------ torch
if wanted torch; then
  if [[ -z $python ]]; then
    record torch skipped "no python3"
  else
    rm -f "$out/torch.jsonl"
    # shellcheck disable=SC2086  # TORCH_OPTS is a list of flags
    run torch 240 env PYTHONUNBUFFERED=1 "$python" "$here/torch_vae.py" --gemm --out "$out/torch.jsonl" ${TORCH_OPTS:-}
    case $rc in
      0) record torch ok "$(grep -c '"bench"' "$out/torch.jsonl" 2>/dev/null || echo 0) lines in torch.jsonl$(grep -q '"error"' "$out/torch.jsonl" 2>/dev/null && echo ', some modes failed (see the summary)')" ;;
      3) record torch skipped "$(grep '^torch_vae:' "$log" | tail -n1 | sed 's/^torch_vae: //')" ;;
      *) record torch FAILED "torch_vae.py exited with $rc" ;;
    esac
  fi
fi

# ------------------------------------------------------------------ variants
if wanted variants; then
  vdir="$bundle/bench-cuda"
  if [[ ! -x $vdir/dense_forward && -f $bundle/bench-cuda.tar.xz ]]; then
    tar xJf "$bundle/bench-cuda.tar.xz" -C "$work" && vdir="$work/bench-cuda"
  fi
  if [[ ! -x $vdir/dense_forward ]] && command -v nvcc >/dev/null 2>&1; then
    run variants 120 bash "$here/cuda/build-gpu.sh" "$work/bench-cuda"
    vdir="$work/bench-cuda"
  fi
  if [[ ! -x $vdir/dense_forward || ! -x $vdir/dense_backward ]]; then
    record variants skipped "no $bundle/bench-cuda/dense_{forward,backward} (bench/cuda/build-gpu.sh BUNDLE/bench-cuda) and no nvcc"
  elif (( ! have_gpu )); then
    record variants skipped "no GPU"
  else
    vfail=0 vruns=0
    for prog in dense_forward dense_backward; do
      for b in 64 1024; do
        for shape in "4096 1200" "1200 1200" "1200 4096"; do
          # shellcheck disable=SC2086  # shape is two numbers
          run variants 60 "$vdir/$prog" -1 $b $shape
          vruns=$((vruns + 1))
          (( rc != 0 )) && vfail=$((vfail + 1))
        done
      done
    done
    if [[ -x $vdir/conv ]]; then
      # N C H W O k s p: the conv encoder's four layers at batch 64 (the decoder's transposed ones are
      # the same products with X and Y swapped)
      for geom in "64 1 64 64 32 4 2 1" "64 32 32 32 32 4 2 1" "64 32 16 16 64 2 2 0" "64 64 8 8 64 2 2 0"; do
        # shellcheck disable=SC2086  # geom is eight numbers
        run variants 120 "$vdir/conv" -1 $geom
        vruns=$((vruns + 1))
        (( rc != 0 )) && vfail=$((vfail + 1))
      done
    fi
    if (( vfail > 0 )); then record variants FAILED "$vfail of $vruns runs had a variant off its reference or a launch error (kit.log)"
    else record variants ok "$vruns runs, every variant within its tolerance; times, GFLOP/s and % of cuBLAS in kit.log"; fi
  fi
fi

bench_classes GpuDenseBench GpuOpsBench GpuTrainStepBenchConv

# ------------------------------------------------------------------ checkpoint check
if wanted check; then
  if [[ -z $cli ]]; then
    record check skipped "this build has no CLI (io.github.betavae.cli.Main) to write a checkpoint"
  elif [[ -z $java || -z $python ]]; then
    record check skipped "needs Java and python3"
  elif (( ! have_gpu )) && [[ $train_device == cuda* ]]; then
    record check skipped "no GPU"
  else
    rc=0
    if [[ ! -f "$run_dir/model.safetensors" ]]; then
      rm -rf "$run_dir"
      run check 150 "$java" "${train_args[@]}"
    fi
    if (( rc == 0 )) && [[ -f "$run_dir/model.safetensors" ]]; then
      "$python" "$here/torch_vae.py" --write-input "$work/x.npy" --n 512 2>&1 | tee -a "$log"
      run check 90 "$java" -cp "$cp" "$cli" eval --checkpoint "$run_dir" --input "$work/x.npy" --posterior-mean --device "$train_device"
      sed -n '/^-- check: .* eval /,$p' "$log" | grep -m1 '^{' > "$work/eval.json"
      if (( rc == 0 )) && [[ -s "$work/eval.json" ]]; then
        run check 120 "$python" "$here/torch_vae.py" --check "$run_dir" --input "$work/x.npy" --compare "$work/eval.json"
        case $rc in
          0) record check ok "$(grep '^compare: ' "$log" | tail -n1 | sed 's/^compare: //')" ;;
          1) record check FAILED "$(grep '^compare: ' "$log" | tail -n1 | sed 's/^compare: //')" ;;
          *) record check FAILED "torch_vae.py --check exited with $rc" ;;
        esac
      else
        record check FAILED "eval exited with $rc or printed no JSON"
      fi
    else
      record check FAILED "training run for the checkpoint failed (exit $rc)"
    fi
  fi
fi


# ------------------------------------------------------------------ summary
if wanted summary; then
  inputs=()
  for f in "$out"/jmh-*.json; do
    [[ -s $f ]] && [[ $("${python:-false}" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$f" 2>/dev/null) != 0 ]] \
      && inputs+=("$f")
  done
  [[ -s "$out/torch.jsonl" ]] && inputs+=("$out/torch.jsonl")
  {
    echo "# GPU kit results"
    echo
    echo "Run $(date -u +%Y-%m-%dT%H:%M:%SZ), $(( $(date +%s) - start )) s."
    command -v nvidia-smi >/dev/null 2>&1 && echo "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -n1)"
    echo
    echo "## Steps"
    echo
    for s in "${status[@]}"; do echo "- $s"; done
    echo
    if [[ -s "$work/profile.md" ]]; then
      echo "## Kernel time per step (train --profile --graph off, default net)"
      echo
      cat "$work/profile.md"
    fi
  } > "$out/summary.md"
  if [[ -z $python ]]; then
    record summary skipped "no python3"
  elif (( ${#inputs[@]} == 0 )); then
    record summary skipped "no benchmark results to summarize"
  else
    if "$python" "$here/summarize.py" "${inputs[@]}" > "$work/tables.md" 2>>"$log"; then
      { echo "## Tables"; echo; cat "$work/tables.md"; } >> "$out/summary.md"
      record summary ok "summary.md"
    else
      record summary FAILED "summarize.py failed (see kit.log)"
    fi
  fi
  cat "$out/summary.md" >> "$log"
fi

say ""
say "gpu-kit: $(( $(date +%s) - start )) s; ${#status[@]} steps, $failed failed"
for s in "${status[@]}"; do say "  $s"; done
rm -rf "$work"
if (( failed > 0 )); then exit 1; fi
if (( ! have_gpu )); then say "gpu-kit: no GPU answered, so nothing was measured (exit 3)"; exit 3; fi
exit 0
