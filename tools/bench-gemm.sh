#!/usr/bin/env bash
# The cpu GEMM against OpenBLAS and the FMA peak, for docs/benchmarks.md ("Matrix multiply").
#
# Usage: tools/bench-gemm.sh [ROUNDS] [TUNING...]
#   ROUNDS   default 2; each round runs dev.jmae.bench.GemmVersus once per jmae tuning and once for
#            OpenBLAS, each in its own JVM (OpenBLAS's spinning threads starve jmae's pool in one
#            process), alternating, then PeakBench (JMH) once.
#   TUNING   jmae tunings to run (GemmTuning specs, 'default' or 'auto'; default: auto, the choice
#            cached for this machine, or a search at first use).
# Environment: PEER_CORETYPE (the OPENBLAS_CORETYPE the OpenBLAS side runs with; default SkylakeX, the
# AVX-512 kernels, on a CPU with AVX-512; an OPENBLAS_CORETYPE inherited from the environment -- our
# machines export Haswell -- is replaced, and said so; GemmVersus prints the core OpenBLAS used). Needs bench/target/benchmarks.jar (mvn -B -q package -pl bench -am -DskipTests).
# Prints the load before every run and, at the end, per cell the median over the rounds of the
# minimum CPU time per thread and of the minimum wall time (see GemmVersus for why both).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-2}
shift || true
tunings=("${@:-auto}")
[ ${#tunings[@]} -eq 0 ] && tunings=(auto)
J=$(. "$root/bin/find-java.sh" >/dev/null; echo "$JAVA_HOME/bin/java")
jar="$root/bench/target/benchmarks.jar"
out=${BENCH_GEMM_OUT:-$(mktemp -d /tmp/bench-gemm.XXXXXX)}
mkdir -p "$out"
. "$root/tools/peer-coretype.sh"
java=("$J" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx4g -cp "$jar")
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
     "(family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')," \
     "model $(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')), $(nproc) processors;" \
     "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; results in $out"
for r in $(seq 1 "$rounds"); do
    for i in "${!tunings[@]}"; do
        echo "round $r jmae ${tunings[$i]}: load $(cut -d' ' -f1-3 /proc/loadavg)"
        "${java[@]}" "-Djmae.gemm.tuning=${tunings[$i]}" dev.jmae.bench.GemmVersus jmae 20 2>/dev/null \
            | sed "s/^jmae /jmae$i /" | tee "$out/jmae$i-$r.txt" | grep -v '^jmae[0-9]* [a-z]* [NT]' || true
    done
    echo "round $r openblas: load $(cut -d' ' -f1-3 /proc/loadavg)"
    "${java[@]}" dev.jmae.bench.GemmVersus openblas 20 2>/dev/null | tee "$out/openblas-$r.txt" \
        | grep -v '^openblas [a-z]* [NT]' || true
done
echo "PeakBench: load $(cut -d' ' -f1-3 /proc/loadavg)"
"$J" -jar "$jar" 'PeakBench' -f 1 -wi 2 -w 1 -i 5 -r 1 2>/dev/null | grep -E '^PeakBench.*flops' | sed 's/  */ /g' \
    | tee "$out/peak.txt"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" "$rounds" "${#tunings[@]}" "${tunings[@]}" <<'PY'
import statistics, sys, glob
out, rounds, nt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
names = sys.argv[4:4 + nt]
flops = {"square": 2 * 1024**3, "qkv": 2 * 3200 * 2304 * 768, "mlp": 2 * 3200 * 3072 * 768}
cells = {}
for f in glob.glob(f"{out}/*-*.txt"):
    for line in open(f):
        p = line.split()
        if len(p) == 9 and p[3] == "wallMin":
            cells.setdefault((p[0], p[1], p[2]), []).append((float(p[8]), float(p[4])))
impls = [f"jmae{i}" for i in range(nt)] + ["openblas"]
for i, n in enumerate(names):
    print(f"jmae{i} = tuning {n}")
head = "| shape | layout | " + " | ".join(f"{x} cpu-min ms (wall-min)" for x in impls) + " | " + \
       " | ".join(f"{x} / openblas" for x in impls[:-1]) + " | " + " | ".join(f"{x} GFLOP/s" for x in impls[:-1]) + " |"
print(head)
print("|" + "---|" * (2 + 2 * len(impls) - 1 + nt))
for shape in ("square", "qkv", "mlp"):
    for layout in ("NN", "NT", "TN"):
        med = {x: (statistics.median(v[0] for v in cells[(x, shape, layout)]),
                   statistics.median(v[1] for v in cells[(x, shape, layout)])) for x in impls}
        row = [shape, layout] + [f"{med[x][0]:.2f} ({med[x][1]:.2f})" for x in impls]
        row += [f"{med['openblas'][0] / med[x][0]:.2f}" for x in impls[:-1]]
        row += [f"{flops[shape] / med[x][0] / 1e6:.0f}" for x in impls[:-1]]
        print("| " + " | ".join(row) + " |")
PY
