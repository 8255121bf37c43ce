#!/usr/bin/env bash
# Data-parallel overlap benchmark (docs/distributed.md, docs/benchmarks.md "Distributed training"):
# for each model, pretraining steps of one process on 2 compute threads against 2 ranks of one
# thread each (mpirun, DistributedDataParallel) at the same global batch, on this machine, the
# ranks once with Open MPI's default busy polling and once yielding when idle (bin/jmae's default). The ranks print, per
# timed step, the gradient all-reduce time and how much of it backward hid.
#
# Usage: tools/bench-distributed.sh            (32-px CrossMAE at global batch 64, ViT-S/16 at 8)
# Environment: STEPS (timed steps, default 10), WARMUP (default 5), HEAP (heap of the single
# process, default 6g; each rank gets half), MODELS ("config:global_batch ...", to pick others).
# Needs Open MPI (mpirun). Run it on a quiet machine: the figures are wall-clock times.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
steps=${STEPS:-10}
warmup=${WARMUP:-5}
heap=${HEAP:-6g}
models=${MODELS:-"bench_32px_crossmae:64 crossmae_vit_small_patch16:8"}
command -v mpirun >/dev/null || { echo "bench-distributed: mpirun not found; hint: apt-get install openmpi-bin libopenmpi3" >&2; exit 1; }
heap_mb=$(( $(numfmt --from=iec "${heap^^}") / 1048576 ))
half_mb=$(( heap_mb / 2 ))
mpi_flags=(--bind-to none --oversubscribe)
[ "$(id -u)" -ne 0 ] || mpi_flags+=(--allow-run-as-root)
bin/jmae --version >/dev/null   # build the jar once, before the timed runs

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(mpirun --version 2>&1 | head -n 1); $warmup warmup + $steps timed steps per run"
for m in $models; do
  config=${m%%:*}
  global=${m##*:}
  echo
  echo "=== $config, global batch $global: 1 process x 2 threads"
  JMAE_JAVA_OPTS="-XX:ActiveProcessorCount=2 -Xms${heap_mb}m -Xmx${heap_mb}m" \
    bin/jmae bench --config "$config" --batch-size "$global" --warmup "$warmup" --max-warmup "$warmup" --steps "$steps"
  # Open MPI's default (0): a rank waiting in a collective polls (spins); 1 (bin/jmae's default
  # under mpirun) makes the polling loop call sched_yield, which leaves the core to the compute
  # threads when there are more threads than cores (here: each rank's compute thread and its
  # communication thread)
  for yield in 0 1; do
    echo
    echo "=== $config, global batch $global: 2 ranks x 1 thread (batch $(( global / 2 )) per rank), mpi_yield_when_idle $yield"
    mpirun -np 2 "${mpi_flags[@]}" --mca mpi_yield_when_idle "$yield" \
      -x JMAE_JAVA_OPTS="-XX:ActiveProcessorCount=1 -Xms${half_mb}m -Xmx${half_mb}m" \
      bin/jmae bench --distributed --config "$config" --batch-size $(( global / 2 )) --warmup "$warmup" --max-warmup "$warmup" --steps "$steps"
  done
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
