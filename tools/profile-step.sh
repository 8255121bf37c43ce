#!/usr/bin/env bash
# Where a training step's time goes: runs `jmae bench` under Java Flight Recorder and prints the
# share of CPU samples per kernel family (issue 17's "profile shares before and after").
#
# Each execution sample (both pool threads and the main thread, every 10 ms of CPU time with JFR's
# `profile` settings) goes under the family of its innermost jmae frame: the GEMM register kernels,
# GEMM packing and tile edges, the pool waiting (the worker spinning or parked for work, or the
# caller waiting for the worker's last task), attention, GELU, layer norm and softmax rows,
# reductions, elementwise ops and copies, indexing (masking, gathers), AdamW, the framework
# (autograd, nn and model code), and samples without a jmae frame (JIT compiler threads are not
# sampled; GC and allocation stubs are). Only the samples of the timed steps count: the last
# steps x ms/step seconds of the recording, so the warm-up and JIT compilation stay out; hence one
# config per run.
#
# Usage: tools/profile-step.sh [--out DIR] [jmae bench options]
#   default bench options: --config fashion_mnist_crossmae --batch-size 128 --warmup 10 --steps 40
#   --out     keep the recording (DIR/step.jfr), the bench output and the table (DIR/shares.md)
#   JMAE      the launcher to profile (default: this checkout's bin/jmae; another checkout's
#             bin/jmae profiles its build, for a before/after pair)
# Exits 2 on bad arguments, 1 when the bench fails.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=""
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift ;;
    --out=*) out=${1#--out=} ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done
[ ${#args[@]} -gt 0 ] || args=(--config fashion_mnist_crossmae --batch-size 128 --warmup 10 --steps 40)
out=${out:-$(mktemp -d "${TMPDIR:-/tmp}/jmae-profile.XXXXXX")}
mkdir -p "$out"
out=$(cd "$out" && pwd)
# shellcheck source=../bin/find-java.sh
. "$root/bin/find-java.sh" >/dev/null
jfr_tool="$JAVA_HOME/bin/jfr"
[ -x "$jfr_tool" ] || { echo "profile-step: $jfr_tool not found (JAVA_HOME $JAVA_HOME)" >&2; exit 1; }
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg); $(cd "$(dirname "${JMAE:-$root/bin/jmae}")" && git log -1 --format='commit %h' 2>/dev/null || echo 'no git')"
if ! JMAE_JAVA_OPTS="${JMAE_JAVA_OPTS:-} -XX:StartFlightRecording=filename=$out/step.jfr,settings=profile" \
    "${JMAE:-$root/bin/jmae}" bench "${args[@]}" >"$out/bench.txt" 2>&1; then
  cat "$out/bench.txt" >&2
  echo "profile-step: 'jmae bench ${args[*]}' failed" >&2
  exit 1
fi
grep -v "^WARNING\|Started recording\|Use jcmd\|^\[" "$out/bench.txt" || true
"$jfr_tool" print --json --stack-depth 64 --events jdk.ExecutionSample "$out/step.jfr" >"$out/samples.json"
/usr/bin/env python3 - "$out" <<'EOF'
import collections, datetime, json, os, re, sys
out = sys.argv[1]
bench = open(os.path.join(out, "bench.txt")).read()
steps = int(re.search(r"(\d+) timed steps", bench).group(1))
# a result row ends in: params, img/s, ms/step, step peak MB, GFLOP/s (config names may hold spaces)
rows = [m for m in (re.search(r"\s([\d,]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$", l)
                    for l in bench.splitlines()) if m]
if len(rows) != 1:
    sys.exit("profile-step: %d configs were timed; the window of the timed steps is that of one config, so"
             " give one (--config NAME)" % len(rows))
timed_s = steps * float(rows[0].group(3)) / 1000

def family(frames, thread):
    fam, where = classify(frames, thread)
    methods[fam][where] += 1
    return fam

def classify(frames, thread):
    for f in frames:   # innermost first
        t = f["method"]["type"]["name"]
        if not t.startswith("dev/jmae/") and not t.startswith("dev.jmae."):
            continue
        cls = t.replace("/", ".").split("$$Lambda")[0].rsplit(".", 1)[-1].split("$")[0]
        m = f["method"]["name"]
        where = cls + "." + m
        if cls == "GemmKernels":
            return ("GEMM packing and tile edges" if m == "finishTile" else "GEMM register kernels", where)
        if cls in ("Gemm", "GemmPacking"):
            return ("GEMM packing and tile edges", where)
        if cls == "Parallel":
            return ("pool waiting (worker idle)" if thread.startswith("jmae-cpu") else "pool waiting (caller waits for the worker)", where)
        if cls == "CpuAttention" or "ttention" in cls:
            return ("attention forward and backward", where)
        if "gelu" in m.lower() or "erf" in m.lower():
            return ("GELU forward and backward", where)
        if cls in ("CpuRows",) or "layerNorm" in m or "softmax" in m.lower():
            return ("layer norm and softmax rows", where)
        if cls in ("CpuReductions", "RowReductions", "Reductions"):
            return ("reductions (bias gradients, sums)", where)
        if cls in ("CpuOptim",):
            return ("AdamW", where)
        if cls in ("CpuIndexing", "Indexing", "ReferenceIndexing"):
            return ("indexing (masking, gathers)", where)
        if cls in ("CpuElementwise", "VectorMath", "StridedLoop", "Elementwise", "Views"):
            return ("elementwise ops and copies", where)
        if cls in ("HeapArrayPool", "HeapStorage", "Storage"):
            return ("allocation", where)
        if cls in ("Tensor", "Shape", "Backends", "TensorScope"):
            continue   # bookkeeping frames: the caller decides
        return ("framework (autograd, nn, model code)", where)
    return ("no jmae frame (JVM: GC, allocation stubs, class loading)", "-")

methods = collections.defaultdict(collections.Counter)
events = json.load(open(os.path.join(out, "samples.json")))["recording"]["events"]
def when(e):
    s = e["values"]["startTime"]
    return datetime.datetime.fromisoformat(s[:26].rstrip("Z"))
end = max(when(e) for e in events)
start = end - datetime.timedelta(seconds=timed_s)
counts = collections.Counter()
for e in events:
    if when(e) < start:
        continue
    thread = (e["values"].get("sampledThread") or {}).get("javaName") or ""
    counts[family(e["values"]["stackTrace"]["frames"], thread)] += 1
total = sum(counts.values())
lines = ["| share of samples | where |", "|---|---|"]
for k, v in counts.most_common():
    lines.append("| %.1f%% | %s |" % (100.0 * v / total, k))
lines.append("")
lines.append("%d samples in the last %.1f s of the recording (the timed steps)." % (total, timed_s))
text = "\n".join(lines)
print(text)
open(os.path.join(out, "shares.md"), "w").write(text + "\n")
with open(os.path.join(out, "methods.txt"), "w") as f:
    for fam, _ in counts.most_common():
        f.write("%s\n" % fam)
        for m, v in methods[fam].most_common(8):
            f.write("  %6d  %s\n" % (v, m))
EOF
echo "recording and table: $out"
