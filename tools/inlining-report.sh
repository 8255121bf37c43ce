#!/usr/bin/env bash
# Lists the jmae methods that C2 declined to inline because the method being compiled had already
# grown past C2's node budget (NodeCountInliningCutoff, 18000 nodes, fixed in product JVMs), while
# running JMH benchmarks from bench/target/benchmarks.jar.
#
# Why: a declined callee that takes or returns Vector API values (VectorMath.exp, VectorMath.sum,
# VectorMath.erf) is then called with boxed vectors, which cost the softmax kernels 10-40% in the
# measurements of docs/benchmarks.md. Whether it happens depends on how much code C2 inlined
# before, so a change that makes one helper compile smaller can slow down another kernel. Run this
# before and after changing a kernel's helpers.
#
# Usage: tools/inlining-report.sh [JMH benchmark regex]
#   JMAE_BENCH_JAR=other/benchmarks.jar to examine another build (e.g. the one before a change)
#   default regex: the CPU row kernels and attention ('SoftmaxBench.cpu$|LayerNormBench.cpu|AttentionBench.cpu')
# Prints one line per (compiled method, declined callee) with a count, "boxed" where the callee
# takes vectors, then the path of the raw log. Exits 2 when the benchmark jar is missing or the JMH
# run fails. A line's compiled method is the nearest C2 compilation printed before it (C1's lines
# interleave and are skipped): check a surprising line in the raw log.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../bin/find-java.sh
. "$root/bin/find-java.sh" >/dev/null
jar=${JMAE_BENCH_JAR:-$root/bench/target/benchmarks.jar}
if [ ! -f "$jar" ]; then
  echo "inlining-report: $jar not found; build it first (bin/test, or mvn -o -q install -DskipTests)" >&2
  exit 2
fi
regex=${1:-'SoftmaxBench.cpu$|LayerNormBench.cpu|AttentionBench.cpu'}
log=$(mktemp "${TMPDIR:-/tmp}/jmae-inlining.XXXXXX")
# the @Fork annotations' own jvmArgsAppend is replaced by this one, so it repeats their flags
if ! "$JAVA_HOME/bin/java" -jar "$jar" "$regex" -f 1 -wi 3 -i 1 -r 1 -w 1 \
    -jvmArgsAppend "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g -XX:+UnlockDiagnosticVMOptions -XX:+PrintCompilation -XX:+PrintInlining" \
    > "$log" 2>&1; then
  echo "inlining-report: the JMH run failed; its output is in $log" >&2
  exit 2
fi
if ! grep -q '^# Run complete' "$log"; then
  echo "inlining-report: no benchmark ran for '$regex'; the output is in $log" >&2
  exit 2
fi
awk '
  # a compilation: "<time> <id> <flags> <tier> <method> (<n> bytes)"; only C2 (tier 4) has this
  # cutoff, and C1 compilations (tiers 1-3) print their lines in between, so only tier 4 counts
  /^ *[0-9]+ +[0-9]+ +[%sbn! ]*[0-4] +[A-Za-z]/ && !/made not entrant/ {
    for (i = 1; i <= NF; i++) if ($i ~ /::/) break
    if ($(i - 1) == "4") method = $i
    next
  }
  /NodeCountInliningCutoff/ && /dev\.jmae\./ && method != "" {
    for (i = 1; i <= NF; i++) if ($i ~ /^dev\.jmae\..*::/) { callee = $i; break }
    boxed = (callee ~ /VectorMath::(exp|sum|erf)$/) ? "  boxed" : ""
    print method "  declined  " callee boxed
  }
' "$log" | sort | uniq -c | sort -rn
echo "(raw log: $log)"
