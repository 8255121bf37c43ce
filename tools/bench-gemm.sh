#!/usr/bin/env bash
# The cpu GEMM against OpenBLAS and the FMA peak, for docs/benchmarks.md ("Matrix multiply").
#
# Usage: tools/bench-gemm.sh [REPEATS] [TUNING]
#   REPEATS  rounds (default 3); each round runs, one JMH fork per benchmark and parameter set,
#            MatmulBench.cpu (jmae), MatmulBench.openblas and PeakBench, in that order, so jmae and
#            OpenBLAS never share a process (OpenBLAS's spinning threads starve jmae's pool in one
#            process) and alternate over the rounds.
#   TUNING   the GemmTuning spec jmae runs (default: auto, the choice cached for this machine or a
#            search at first use in the jmae fork, which MatmulBench prints).
# Environment: OPENBLAS_CORETYPE (default SkylakeX, the AVX-512 kernels; MatmulBench prints the
# core OpenBLAS used). Needs bench/target/benchmarks.jar (mvn package -pl bench -am -DskipTests).
# Prints the load before every run and, at the end, the median per cell over the rounds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
repeats=${1:-3}
tuning=${2:-auto}
J=$(. "$root/bin/find-java.sh" >/dev/null; echo "$JAVA_HOME/bin/java")
jar="$root/bench/target/benchmarks.jar"
out=${BENCH_GEMM_OUT:-$(mktemp -d /tmp/bench-gemm.XXXXXX)}
mkdir -p "$out"
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) processors;" \
     "OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE; jmae tuning $tuning; results in $out"
jmh=(-f 1 -wi 2 -w 1 -i 5 -r 1 -p shape=square,qkv,mlp -p layout=NN,NT,TN)
for r in $(seq 1 "$repeats"); do
    echo "round $r: load $(cut -d' ' -f1-3 /proc/loadavg)"
    "$J" -jar "$jar" 'MatmulBench.cpu$' "${jmh[@]}" -jvmArgsPrepend "-Djmae.gemm.tuning=$tuning" \
        -rf json -rff "$out/cpu-$r.json" > "$out/cpu-$r.log" 2>&1
    grep -m1 'jmae GEMM tuning' "$out/cpu-$r.log" || true
    echo "round $r: load $(cut -d' ' -f1-3 /proc/loadavg)"
    "$J" -jar "$jar" 'MatmulBench.openblas$' "${jmh[@]}" -rf json -rff "$out/openblas-$r.json" > "$out/openblas-$r.log" 2>&1
    grep -m1 'OpenBLAS core' "$out/openblas-$r.log" || true
    echo "round $r: load $(cut -d' ' -f1-3 /proc/loadavg)"
    "$J" -jar "$jar" 'PeakBench' -f 1 -wi 2 -w 1 -i 5 -r 1 -rf json -rff "$out/peak-$r.json" > "$out/peak-$r.log" 2>&1
done
python3 - "$out" "$repeats" <<'PY'
import json, statistics, sys
out, reps = sys.argv[1], int(sys.argv[2])
flops = {"square": 2 * 1024**3, "qkv": 2 * 3200 * 2304 * 768, "mlp": 2 * 3200 * 3072 * 768}
cells = {}
for impl in ("cpu", "openblas"):
    for r in range(1, reps + 1):
        for b in json.load(open(f"{out}/{impl}-{r}.json")):
            key = (b["params"]["shape"], b["params"]["layout"], impl)
            cells.setdefault(key, []).append(b["primaryMetric"]["score"])
peak = {}
for r in range(1, reps + 1):
    for b in json.load(open(f"{out}/peak-{r}.json")):
        name = b["benchmark"].rsplit(".", 1)[1]
        # the FLOPs are an AuxCounter reported in FLOP/ms: divide by 1e6 for GFLOP/s
        sec = b.get("secondaryMetrics", {})
        rate = next((v["score"] for k, v in sec.items() if "flop" in k.lower()), None)
        peak.setdefault(name, []).append(rate)
def med(x):
    return statistics.median(x)
print("PeakBench GFLOP/s per round:", {k: [round(v / 1e6, 1) if v else v for v in vs] for k, vs in peak.items()})
allpk = med([v for v in peak.get("allThreads", []) if v]) / 1e6 if peak.get("allThreads") else float("nan")
print(f"| shape | layout | jmae ms (rounds) | jmae median ms | GFLOP/s | % of all-thread peak ({allpk:.0f}) | OpenBLAS ms (rounds) | OpenBLAS median ms | jmae / OpenBLAS |")
print("|---|---|---|---|---|---|---|---|---|")
for shape in ("square", "qkv", "mlp"):
    for layout in ("NN", "NT", "TN"):
        c = cells[(shape, layout, "cpu")]
        o = cells[(shape, layout, "openblas")]
        g = flops[shape] / (med(c) * 1e-3) / 1e9
        print(f"| {shape} | {layout} | {', '.join(f'{x:.1f}' for x in c)} | {med(c):.2f} | {g:.0f} | {100 * g / allpk:.0f}% | "
              f"{', '.join(f'{x:.1f}' for x in o)} | {med(o):.2f} | {med(o) / med(c):.2f} |")
PY
