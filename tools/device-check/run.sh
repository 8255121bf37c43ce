#!/usr/bin/env bash
# The device check: ONE command that checks jmae on a GPU machine and writes its findings to $OUT.
# It needs .gpu/ (tools/device-check/pack) and nothing else that Java needs: the machine may have no
# Java, no Maven and no network. Every step has its own time limit (timeout) and the script keeps
# going past failures; a deadline caps the whole run (7.5 minutes; --local: 40), skipping what no
# longer fits. Results: $OUT/summary.json, $OUT/summary.md and $OUT/logs.tar.gz (every step's log and
# JUnit report). See docs/device-check.md.
#
#   tools/device-check/run.sh           # on the GPU machine: cuda:0 and NVIDIA's opencl:0
#   tools/device-check/run.sh --local   # here: PoCL's opencl:0 and the cpu; CUDA steps report why
#                                       # they cannot run; $OUT defaults to target/device-check
#
# Steps, in order: inventory (machine, driver, libraries, OpenCL ICD, jmae devices); cuda-smoke (the
# four host parts only a GPU exercises: cuInit on a real driver, an NVRTC-compiled kernel launched,
# cublasLtCreate, cuBLASLt's heuristic and a matmul); then together: cuda-parity (the gpu parity suites
# and the tensor-core checks on cuda:0), opencl-parity (the parity suites on opencl:0: NVIDIA's through
# Debian's ICD loader, PoCL with --local), cuda-golden (PyTorch's forward/gradient and AdamW-steps
# fixtures on cuda:0), cuda-training (a tiny pretraining run and 20 steps tracking the cpu's losses);
# then alone, for timing: jmae-bench-high and jmae-bench-highest (ViT-B MAE and CrossMAE γ 0.75/0.25
# at batch 64), torch-bench (the same models in PyTorch: fp32, TF32, TF32 + SDPA; torch.matmul at the
# GEMM shapes), jmh (MatmulBench and AttentionBench cuda methods, short iterations).
set -uo pipefail

LOCAL=0
for a in "$@"; do
  case "$a" in
    --local) LOCAL=1 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$a' (expected --local)" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
START=$(date +%s)
if [ "$LOCAL" = 1 ]; then
  BUDGET=2400
  OUT=${OUT:-$ROOT/target/device-check}
else
  BUDGET=450
  OUT=${OUT:-$ROOT/target/device-check}
fi
DEADLINE=$((START + BUDGET))
W=$(mktemp -d /tmp/jmae-device-check.XXXXXX)
LOGS=$W/logs
REC=$W/records
mkdir -p "$OUT" "$LOGS" "$REC"
echo "device check: mode $([ "$LOCAL" = 1 ] && echo local || echo gpu), work folder $W, results in $OUT, deadline ${BUDGET}s"

# ---- step bookkeeping ----------------------------------------------------------------------------

# record NAME STATUS SECONDS LIMIT NOTE: one line per step, read by summarize.py
record() {
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" > "$REC/$1"
}

# step NAME WANTED_LIMIT COMMAND...: runs COMMAND under timeout (capped by the deadline) with its
# output in $LOGS/NAME.log; records pass (exit 0), fail, timeout or skipped (no time left)
step() {
  local name=$1 want=$2
  shift 2
  local now left limit
  now=$(date +%s)
  left=$((DEADLINE - now))
  limit=$((want < left ? want : left))
  if [ "$limit" -lt 10 ]; then
    record "$name" skipped 0 "$want" "no time left before the deadline"
    echo "  $name: skipped (deadline)"
    return 0
  fi
  echo "  $name: running (limit ${limit}s)"
  local t0 t1 rc status
  t0=$(date +%s.%N)
  # the command may be one of this script's functions: a fresh bash loads them from $W/lib.sh
  timeout --kill-after=10 "$limit" bash -c '. "$1"; shift; "$@"' _ "$W/lib.sh" "$@" > "$LOGS/$name.log" 2>&1
  rc=$?
  t1=$(date +%s.%N)
  case "$rc" in
    0) status=pass ;;
    124|137) status=timeout ;;
    *) status=fail ;;
  esac
  local secs
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  record "$name" "$status" "$secs" "$limit" "exit $rc"
  echo "  $name: $status in ${secs}s (exit $rc)"
  return 0
}

unavailable() {
  record "$1" unavailable 0 0 "$2"
  echo "  $1: unavailable: $2"
}

# ---- unpack --------------------------------------------------------------------------------------

if [ ! -f "$ROOT/.gpu/runtime.tar.xz" ] || [ ! -f "$ROOT/.gpu/app.tar.xz" ]; then
  record unpack fail 0 0 ".gpu/ is missing or incomplete: run tools/device-check/pack first (and carry .gpu)"
else
  t0=$(date +%s)
  if tar -C "$W" -xJf "$ROOT/.gpu/runtime.tar.xz" && tar -C "$W" -xJf "$ROOT/.gpu/app.tar.xz"; then
    record unpack pass $(( $(date +%s) - t0 )) 0 "$(head -1 "$ROOT/.gpu/manifest.txt" 2>/dev/null)"
  else
    record unpack fail $(( $(date +%s) - t0 )) 0 "tar failed"
  fi
fi
# java with the runtime's libjsig.so preloaded (signal chaining, as bin/jmae does), for Java alone
JAVA=$W/java
printf '#!/bin/sh\nLD_PRELOAD="%s${LD_PRELOAD:+:$LD_PRELOAD}" exec "%s" "$@"\n' "$W/jre/lib/libjsig.so" "$W/jre/bin/java" > "$JAVA"
chmod +x "$JAVA"
APP=$W/app
LIB_CP=$(ls "$APP"/lib/*.jar 2>/dev/null | paste -sd: -)
TEST_CP="$APP/tests/gpu:$APP/tests/crossmae:$LIB_CP:$APP/junit/junit-platform-console-standalone.jar"
JFLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseG1GC
        -Djava.awt.headless=true -Djmae.home="$ROOT" -Djmae.progress.width=120)
export XDG_CACHE_HOME=$W/cache   # the CUDA JIT cache: shared by every step of this run

# ---- libraries: NVRTC and cuBLASLt where the dynamic loader may not look -------------------------

# A folder holding NAME (e.g. libnvrtc.so.13) outside the loader's cache, or nothing.
find_lib_dir() {
  local name=$1
  if ldconfig -p 2>/dev/null | grep -q " $name "; then
    return 0
  fi
  local d
  for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda-*/lib64 \
           /usr/local/cuda-*/targets/x86_64-linux/lib /usr/local/nvidia/lib64 /usr/local/nvidia/lib \
           /usr/lib/x86_64-linux-gnu; do
    if [ -e "$d/$name" ]; then
      echo "$d"
      return 0
    fi
  done
  # pip wheels (nvidia-cuda-nvrtc, nvidia-cublas): site-packages/nvidia/*/lib
  python3 - "$name" <<'PY' 2>/dev/null
import glob, os, site, sys
roots = site.getsitepackages() + [site.getusersitepackages()]
for r in roots:
    for f in glob.glob(os.path.join(r, "nvidia", "*", "lib", sys.argv[1])) + glob.glob(os.path.join(r, "nvidia", "lib", sys.argv[1])):
        print(os.path.dirname(f)); sys.exit(0)
PY
}
EXTRA_LD=""
for lib in libnvrtc.so.13 libnvrtc-builtins.so.13.0 libcublasLt.so.13 libcublas.so.13; do
  d=$(find_lib_dir "$lib" | head -1)
  if [ -n "$d" ] && [[ ":$EXTRA_LD:" != *":$d:"* ]]; then
    EXTRA_LD="${EXTRA_LD:+$EXTRA_LD:}$d"
  fi
done
if [ -n "$EXTRA_LD" ]; then
  export LD_LIBRARY_PATH="$EXTRA_LD${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

# ---- OpenCL: Debian's ICD loader and NVIDIA's ICD -------------------------------------------------

ICD=$W/icd
PY_ANY=$(command -v python3 || echo /usr/bin/python3)
OPENCL_NOTE=""
setup_opencl() {
  mkdir -p "$ICD/root" "$ICD/vendors"
  local deb
  for deb in "$ROOT"/.gpu/debs/*.deb; do
    [ -e "$deb" ] || continue
    if command -v dpkg >/dev/null; then
      dpkg -x "$deb" "$ICD/root"
    else
      # no dpkg: a .deb is an ar archive whose data.tar.* holds the files
      "$PY_ANY" - "$deb" "$ICD/root" <<'PY'
import io, sys, tarfile
f = open(sys.argv[1], "rb")
assert f.read(8) == b"!<arch>\n", "not a .deb"
while True:
    h = f.read(60)
    if len(h) < 60:
        break
    name, size = h[:16].decode().strip().rstrip("/"), int(h[48:58].decode().strip())
    data = f.read(size + (size & 1))[:size]
    if name.startswith("data.tar"):
        tarfile.open(fileobj=io.BytesIO(data)).extractall(sys.argv[2])
PY
    fi
  done
  local loader
  loader=$(ls "$ICD"/root/usr/lib/x86_64-linux-gnu/libOpenCL.so.1* 2>/dev/null | head -1)
  if [ -z "$loader" ]; then
    OPENCL_NOTE="Debian's ICD loader is not in .gpu/debs (pack could not download it)"
    return
  fi
  ln -sf "$(basename "$loader")" "$ICD/root/usr/lib/x86_64-linux-gnu/libOpenCL.so"
  export LD_LIBRARY_PATH="$ICD/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export PATH="$ICD/root/usr/bin:$PATH"
  local nv
  nv=$(ldconfig -p 2>/dev/null | sed -n 's/.*libnvidia-opencl\.so\.1 .*=> \(.*\)$/\1/p' | head -1)
  if [ -z "$nv" ]; then
    nv=$(ls /usr/local/nvidia/lib64/libnvidia-opencl.so.1 /usr/local/nvidia/lib/libnvidia-opencl.so.1 \
         /usr/lib/x86_64-linux-gnu/libnvidia-opencl.so.1 2>/dev/null | head -1)
  fi
  if [ -n "$nv" ]; then
    echo "$nv" > "$ICD/vendors/nvidia.icd"
    export OCL_ICD_VENDORS=$ICD/vendors
    OPENCL_NOTE="NVIDIA's ICD: $nv"
  elif [ "$LOCAL" = 1 ]; then
    OPENCL_NOTE="no libnvidia-opencl.so.1 here; the unpacked loader reads the system's vendors (/etc/OpenCL/vendors)"
  else
    OPENCL_NOTE="no libnvidia-opencl.so.1 (NVIDIA's OpenCL ICD) under ldconfig or /usr/local/nvidia: NVIDIA OpenCL is not available on this machine"
  fi
}
setup_opencl
echo "$OPENCL_NOTE" > "$W/opencl-note.txt"

# ---- steps -----------------------------------------------------------------------------------------

jmae() {
  "$JAVA" "${JFLAGS[@]}" -Xmx16g -cp "$LIB_CP" dev.jmae.crossmae.cli.Main "$@"
}

# junit NAME DEVICE CLASS...: the JUnit console launcher on the test classes, reports in $W/junit/NAME
junit() {
  local name=$1 device=$2
  shift 2
  local sel=()
  local c
  for c in "$@"; do
    sel+=(--select-class "$c")
  done
  "$JAVA" "${JFLAGS[@]}" -Xmx8g -Djmae.fillUninitializedMemory=true -Djmae.test.device="$device" \
      -cp "$TEST_CP" org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=tree \
      --details-theme=ascii --disable-ansi-colors --fail-if-no-tests --reports-dir "$W/junit/$name" "${sel[@]}"
}

inventory() {
  set +e
  echo "== date"; date -u
  echo "== uname"; uname -a
  echo "== cpu"; nproc; grep -m1 'model name' /proc/cpuinfo
  echo "== memory"; grep -E 'MemTotal|MemAvailable' /proc/meminfo
  echo "== nvidia-smi"; nvidia-smi 2>&1 | head -30
  nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap,clocks.sm,clocks.max.sm,power.limit \
      --format=csv 2>&1 | head -5
  echo "== /proc/driver/nvidia/version"; cat /proc/driver/nvidia/version 2>&1
  echo "== libraries (ldconfig -p)"
  ldconfig -p 2>/dev/null | grep -E 'libcuda\.so|libnvrtc|libcublasLt|libcublas\.so|libnvidia-opencl|libOpenCL' || echo "(none)"
  echo "== /usr/local/nvidia"; ls -la /usr/local/nvidia/lib64 2>/dev/null | grep -E 'libcuda|opencl|nvrtc' || echo "(none)"
  echo "== CUDA toolkits"; ls -d /usr/local/cuda* 2>&1; command -v nvcc && nvcc --version | tail -2
  echo "== extra library folders for NVRTC/cuBLASLt: ${EXTRA_LD:-none}"
  echo "== LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  echo "== OpenCL: $OPENCL_NOTE"
  echo "OCL_ICD_VENDORS=${OCL_ICD_VENDORS:-}"; ls -la /etc/OpenCL/vendors 2>&1
  clinfo -l 2>&1 | head -20
  echo "== python ($PY)"; "$PY" -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available() and torch.cuda.get_device_name(0))' 2>&1
  echo "== java"; "$JAVA" -version 2>&1
  echo "== .gpu manifest"; cat "$ROOT/.gpu/manifest.txt" 2>&1
  echo "== jmae devices"; jmae devices 2>&1
}

# the functions and variables the steps use, for the bash that timeout starts
PY=python3
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import torch' 2>/dev/null; then
    PY=$(command -v "$p")
    break
  fi
done
{
  declare -p JAVA JFLAGS LIB_CP TEST_CP W ROOT LOCAL OPENCL_NOTE EXTRA_LD PY
  declare -f jmae junit inventory
} > "$W/lib.sh"

echo "steps:"
step inventory 60 inventory
cp "$LOGS/inventory.log" "$W/inventory.txt" 2>/dev/null
CUDA_REASON=$(sed -n 's/^cuda: unavailable: //p' "$LOGS/inventory.log" | head -1)
CUDA_SKIP=""
if [[ "$CUDA_REASON" == "no NVIDIA driver"* ]]; then
  CUDA_SKIP="$CUDA_REASON"
fi

CUDA=cuda:0
PARITY=(dev.jmae.gpu.ElementwiseParityTest dev.jmae.gpu.ReductionParityTest dev.jmae.gpu.MatmulParityTest
        dev.jmae.gpu.NnKernelsParityTest dev.jmae.gpu.IndexingParityTest dev.jmae.gpu.AttentionParityTest)
if [ -n "$CUDA_SKIP" ]; then
  unavailable cuda-smoke "$CUDA_SKIP"
else
  step cuda-smoke 90 junit cuda-smoke "$CUDA" dev.jmae.gpu.cuda.CudaDeviceSmokeTest
fi

# correctness, together (one GPU, 16 cores; the CPU references dominate)
pids=()
if [ -n "$CUDA_SKIP" ]; then
  unavailable cuda-parity "$CUDA_SKIP"
  unavailable cuda-golden "$CUDA_SKIP"
  unavailable cuda-training "$CUDA_SKIP"
else
  step cuda-parity 170 junit cuda-parity "$CUDA" "${PARITY[@]}" dev.jmae.gpu.CudaTensorCoreParityTest & pids+=($!)
  step cuda-golden 170 junit cuda-golden "$CUDA" dev.jmae.crossmae.cli.ForwardGoldenTest \
      dev.jmae.crossmae.cli.StepsGoldenTest & pids+=($!)
  step cuda-training 170 junit cuda-training "$CUDA" dev.jmae.crossmae.train.DeviceTrainingTest & pids+=($!)
fi
if [ -z "${OCL_ICD_VENDORS:-}" ] && [ "$LOCAL" = 0 ]; then
  unavailable opencl-parity "$OPENCL_NOTE"
else
  step opencl-parity "$([ "$LOCAL" = 1 ] && echo 900 || echo 170)" junit opencl-parity opencl:0 "${PARITY[@]}" & pids+=($!)
fi
wait "${pids[@]}" 2>/dev/null

# timing, one at a time
G025=$W/crossmae_vit_base_g025.json
python3 - "$ROOT/configs/crossmae_vit_base_patch16.json" "$G025" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["kept_mask_ratio"] = 0.25
json.dump(c, open(sys.argv[2], "w"), indent=1)
PY
if [ "$LOCAL" = 1 ]; then
  BENCH_DEVICE=cpu; BENCH_ARGS=(--batch-size 2 --warmup 0 --steps 1); TORCH_ARGS=(--device cpu --batch 2 --warmup 0 --steps 1)
  JMH_REGEX='MatmulBench.opencl|AttentionBench.openclForward'; JMH_PARAMS=(-p shape=square -p layout=NT -wi 0 -i 1 -r 1s)
else
  BENCH_DEVICE=$CUDA; BENCH_ARGS=(--batch-size 64 --warmup 2 --steps 5); TORCH_ARGS=(--device cuda --batch 64 --warmup 2 --steps 5)
  JMH_REGEX='MatmulBench.cuda|AttentionBench.cuda'; JMH_PARAMS=(-p shape=qkv,mlp -p layout=NT,TN -wi 1 -w 1s -i 2 -r 1s)
fi
BENCH_CONFIGS="mae_vit_base_patch16,crossmae_vit_base_patch16,$G025"
for precision in high highest; do
  if [ -n "$CUDA_SKIP" ] && [ "$LOCAL" = 0 ]; then
    unavailable "jmae-bench-$precision" "$CUDA_SKIP"
  else
    step "jmae-bench-$precision" "$([ "$LOCAL" = 1 ] && echo 600 || echo 75)" jmae bench --config "$BENCH_CONFIGS" \
        --device "$BENCH_DEVICE" --matmul-precision "$precision" "${BENCH_ARGS[@]}"
  fi
  if [ "$precision" = high ]; then
    step torch-bench "$([ "$LOCAL" = 1 ] && echo 600 || echo 80)" "$PY" "$ROOT/tools/device-check/torch_bench.py" \
        "${TORCH_ARGS[@]}" --out "$W/torch.json"
  fi
done
if [ -n "$CUDA_SKIP" ] && [ "$LOCAL" = 0 ]; then
  unavailable jmh "$CUDA_SKIP"
else
  step jmh "$([ "$LOCAL" = 1 ] && echo 300 || echo 60)" "$JAVA" "${JFLAGS[@]}" -Xmx8g -cp "$LIB_CP" org.openjdk.jmh.Main \
      "$JMH_REGEX" "${JMH_PARAMS[@]}" -f 0 -foe true -rf json -rff "$W/jmh.json"
fi

# ---- summary -----------------------------------------------------------------------------------------

python3 "$ROOT/tools/device-check/summarize.py" --work "$W" --out "$OUT" --mode "$([ "$LOCAL" = 1 ] && echo local || echo gpu)" \
    --elapsed $(( $(date +%s) - START )) --cuda-reason "${CUDA_REASON:-}" --opencl-note "$OPENCL_NOTE"
( cd "$W" && for f in logs/*.log; do [ -f "$f" ] && [ "$(stat -c %s "$f")" -gt 4000000 ] && tail -c 4000000 "$f" > "$f.tail" && mv "$f.tail" "$f"; done
  tar -czf "$OUT/logs.tar.gz" $(ls -d logs junit inventory.txt opencl-note.txt torch.json jmh.json 2>/dev/null) )
echo "device check: done in $(( $(date +%s) - START ))s; $OUT/summary.md:"
cat "$OUT/summary.md"
