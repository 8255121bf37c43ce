#!/usr/bin/env bash
# jmae against PyTorch on this machine's CPU (issue 17's peer run; docs/benchmarks.md "PyTorch on the
# same cores"): the same pretraining step (forward with fixed images and masking noise, backward,
# AdamW) timed by `jmae bench` and by tools/device-check/torch_bench.py, whose models are
# tools/golden's independent PyTorch implementation. Each config runs in its own process, jmae and
# PyTorch alternated (the order flips every round) so that the machine's drift hits both alike; the
# table gives medians over the rounds, the ratio jmae / PyTorch, and jmae's fwd*3 GFLOP/s as a
# fraction of this machine's FMA peak measured by the JMH PeakBench (all threads) in the same script.
#
# Usage: tools/bench-vs-pytorch.sh [SET...]   SET: 32px (bench_32px_* at batch 64), vits (ViT-S/16
#        224 px at batch 16), default both.
# Environment: THREADS (compute threads of each side, default 2), ROUNDS (default 3), STEPS (timed
# steps per run, default 10 at 32 px, 4 for ViT-S), WARMUP (default 5 / 2 untimed steps first; `jmae bench`
# then warms up on while its JIT compiler is busy, up to 60 steps, since on 2 cores the compiler
# thread takes a core from the step for the first 20 or so ViT-S steps; PyTorch has no JIT), PEER_CORETYPE (the
# OPENBLAS_CORETYPE PyTorch's OpenBLAS runs with; default SkylakeX on a CPU with AVX-512, because
# Debian's OpenBLAS 0.3.21 does not know Zen 4/5 and falls back to its AVX2 Haswell kernels at half
# speed; an OPENBLAS_CORETYPE inherited from the environment is overridden, and said so), PEAK_GFLOPS
# (skip the PeakBench run and use this figure).
# Needs Debian's python3-torch and libopenblas0-pthread (without it PyTorch runs the reference BLAS and
# the comparison means nothing: the script refuses). Run it on a quiet machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
threads=${THREADS:-2}
rounds=${ROUNDS:-3}
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(32px vits)
py=/usr/bin/python3
$py -c 'import torch' 2>/dev/null || { echo "bench-vs-pytorch: Debian's python3-torch is missing; hint: apt-get install python3-torch libopenblas0-pthread" >&2; exit 1; }
[ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ] || { echo "bench-vs-pytorch: libopenblas0-pthread is missing, so PyTorch would run the reference BLAS; hint: apt-get install libopenblas0-pthread" >&2; exit 1; }
. "$root/tools/peer-coretype.sh"
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads
export JMAE_JAVA_OPTS="-XX:ActiveProcessorCount=$threads ${JMAE_JAVA_OPTS:-}"
bin/jmae --version >/dev/null   # build the jar once, before the timed runs
. bin/find-java.sh >/dev/null   # JAVA_HOME, for the PeakBench run
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$threads threads each side, $rounds rounds, PyTorch's OPENBLAS_CORETYPE=${coretype:-unset, OpenBLAS detects}"
peak=${PEAK_GFLOPS:-}
if [ -z "$peak" ]; then
  if [ ! -f bench/target/benchmarks.jar ] || [ -n "$(find bench/src -newer bench/target/benchmarks.jar -type f -print -quit)" ]; then
    mvn -B -q -ntp -DskipTests package -pl bench -am >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  fi
  "$JAVA_HOME/bin/java" -XX:ActiveProcessorCount="$threads" -jar bench/target/benchmarks.jar 'PeakBench.allThreads' \
    -wi 2 -i 3 -rf json -rff "$work/peak.json" >"$work/peak.log" 2>&1 || { cat "$work/peak.log" >&2; exit 1; }
  # the aux counter "flops" is in FLOP/ms (1e6 FLOP/ms = 1 GFLOP/s), summed over the JMH threads
  peak=$($py -c 'import json,sys; r=json.load(open(sys.argv[1]))[0]; print("%.1f" % (r["secondaryMetrics"]["flops"]["score"] / 1e6))' "$work/peak.json")
  echo "FMA peak (JMH PeakBench.allThreads, $threads threads): $peak GFLOP/s"
else
  echo "FMA peak: $peak GFLOP/s (PEAK_GFLOPS)"
fi

results="$work/results.tsv"
jmae_run() {  # config gamma batch warmup steps -> "img/s peakMB gflops"
  local set=(--config "$1" --batch-size "$3" --warmup "$4" --steps "$5")
  [ -z "$2" ] || set+=(--set "kept_mask_ratio=$2")
  bin/jmae bench "${set[@]}" >"$work/jmae.log" 2>&1 || { cat "$work/jmae.log" >&2; exit 1; }
  awk '/^model /{getline; print $(NF-3), $(NF-1), $NF}' "$work/jmae.log"
}
torch_run() {  # config gamma batch warmup steps -> "img/s loss"
  local m="$1"
  [ -z "$2" ] || m="$1:$2"
  $py tools/device-check/torch_bench.py --device cpu --threads "$threads" --models "$m" --batch "$3" \
    --warmup "$4" --steps "$5" --out "$work/torch.json" >"$work/torch.log" 2>&1 || { cat "$work/torch.log" >&2; exit 1; }
  $py -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["steps"][0]; print("%.2f %s" % (s["images_per_s"], d["blas"]["openblas_core"]))' "$work/torch.json"
}

for set in "${sets[@]}"; do
  case $set in
    32px) models="bench_32px_mae: bench_32px_crossmae: bench_32px_crossmae:0.25"; batch=64; steps=${STEPS:-10}; warmup=${WARMUP:-5} ;;
    vits) models="mae_vit_small_patch16: crossmae_vit_small_patch16: crossmae_vit_small_patch16:0.25"; batch=16; steps=${STEPS:-4}; warmup=${WARMUP:-2} ;;
    *) echo "bench-vs-pytorch: unknown set '$set'; expected 32px or vits" >&2; exit 2 ;;
  esac
  for r in $(seq "$rounds"); do
    for m in $models; do
      config=${m%%:*}
      gamma=${m#*:}
      if [ $((r % 2)) -eq 1 ]; then
        j=$(jmae_run "$config" "$gamma" "$batch" "$warmup" "$steps"); t=$(torch_run "$config" "$gamma" "$batch" "$warmup" "$steps")
      else
        t=$(torch_run "$config" "$gamma" "$batch" "$warmup" "$steps"); j=$(jmae_run "$config" "$gamma" "$batch" "$warmup" "$steps")
      fi
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$set" "$config${gamma:+ gamma $gamma}" "$r" "$j" "$t" "$batch" | tr ' ' '\t' >>"$results"
      echo "  round $r $set $config${gamma:+ gamma $gamma}: jmae ${j%% *} img/s, PyTorch ${t%% *} img/s"
    done
  done
done

$py - "$results" "$peak" <<'EOF'
import statistics, sys
from collections import OrderedDict
rows = OrderedDict()
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    # set, config words..., round, jmae img/s, peak MB, GFLOP/s, torch img/s, OpenBLAS core, batch
    key = (f[0], " ".join(f[1:-7]))
    rows.setdefault(key, []).append((float(f[-6]), float(f[-5]), float(f[-4]), float(f[-3]), f[-2], int(f[-1])))
peak = float(sys.argv[2])
print()
print("%-5s %-40s %5s %12s %12s %7s %9s %10s %8s" % ("set", "config", "batch", "jmae img/s", "torch img/s", "ratio",
                                                   "jmae GF/s", "% of peak", "jmae MB"))
for (s, name), rs in rows.items():
    j = statistics.median(r[0] for r in rs)
    t = statistics.median(r[3] for r in rs)
    g = statistics.median(r[2] for r in rs)
    print("%-5s %-40s %5d %12.1f %12.1f %6.2fx %9.1f %9.0f%% %8.0f" % (s, name, rs[0][5], j, t, j / t, g, 100 * g / peak,
                                                                     max(r[1] for r in rs)))
print("medians of %d rounds; PyTorch's OpenBLAS core: %s; FMA peak %.1f GFLOP/s" % (len(next(iter(rows.values()))),
      ", ".join(sorted({r[4] for rs in rows.values() for r in rs})), peak))
EOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
