#!/usr/bin/env bash
# Reproduces docs/results.md: the paper's cost ladder (Tables 4-5) and its quality comparison (Table 1)
# at small scale, on this machine's CPU.
#
#   (a) cost ladder: MAE; + cross-attention decoder (CrossMAE gamma 0.75, no inter-block attention);
#       + partial reconstruction (gamma 0.25); + inter-block attention (weight_fm, use_input: the
#       published CrossMAE) -- images/s and peak step memory from `jmae bench` (all four configs in
#       one process, ROUNDS times, medians), decoder FLOPs from `jmae info`; on the Fashion-MNIST
#       presets (28 px, batch 128) and on ViT-S/16 at 224 px (batch 16).
#   (b) quality on Fashion-MNIST: MAE, CrossMAE gamma 0.75 and CrossMAE gamma 0.25 pretrained with the
#       same budget (the fashion_mnist_* presets), each then fine-tuned with the same budget
#       (fashion_mnist_finetune), plus the same fine-tuning from scratch; the official linear probe
#       (jmae linprobe, also of a random encoder), jmae probe's k-NN and quick linear probe,
#       masked-patch PSNR next to its oracle-statistics baseline; one PNG with the three models'
#       reconstructions of the same test images.
#
# Usage: tools/reproduce-results.sh [--quick] [--part ladder|quality|all] [--out DIR] [--data PATH]
#   --quick   the committed subset (data/fashion-mnist-subset), 1 epoch of everything, short benches,
#             no ViT-S ladder: checks the whole pipeline in minutes (CI runs it).
#   --part    only (a) the cost ladder or only (b) the quality runs (default all).
#   --out     where the runs and summary.md go (default runs/results-<timestamp>).
#   --data    the dataset (default: bin/jmae's default, the full Fashion-MNIST when installed).
# Environment (budgets of the full run): PRETRAIN_EPOCHS (default: the presets' epochs),
# FINETUNE_EPOCHS (default 5), LINPROBE_EPOCHS (default 5), PROBE_EPOCHS (jmae probe's linear
# head, default 30), ROUNDS (bench repeats, default 3).
# Prints the tables and writes them, with every command it ran, to DIR/summary.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
quick=0
part=all
out=""
data=()
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --part) part=$2; shift ;;
    --part=*) part=${1#--part=} ;;
    --out) out=$2; shift ;;
    --out=*) out=${1#--out=} ;;
    --data) data=(--data "$2"); shift ;;
    --data=*) data=(--data "${1#--data=}") ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "reproduce-results: unknown argument '$1'; expected --quick, --out DIR or --data PATH" >&2; exit 2 ;;
  esac
  shift
done
case $part in
  ladder|quality|all) ;;
  *) echo "reproduce-results: --part must be ladder, quality or all, given '$part'" >&2; exit 2 ;;
esac
out=${out:-runs/results-$(date +%Y%m%d-%H%M%S)}
if [ $quick -eq 1 ]; then
  [ ${#data[@]} -gt 0 ] || data=(--data data/fashion-mnist-subset)
  pre=(--set epochs=1); ft_epochs=1; lp_epochs=1; probe_epochs=2; rounds=1; bench=(--warmup 1 --max-warmup 1 --steps 2)
else
  pre=(); [ -z "${PRETRAIN_EPOCHS:-}" ] || pre=(--set "epochs=$PRETRAIN_EPOCHS")
  ft_epochs=${FINETUNE_EPOCHS:-5}; lp_epochs=${LINPROBE_EPOCHS:-5}; probe_epochs=${PROBE_EPOCHS:-30}
  rounds=${ROUNDS:-3}; bench=(--warmup 5 --steps 10)
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
log="$out/commands.log"
bin/jmae --version >/dev/null   # build the jar before anything is timed
start=$(date +%s)
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg); $(git log -1 --format='commit %h (%cd)' --date=short)" | tee "$out/machine.txt"

run() {  # logs the command, runs it with its output in $out/<name>.log, fails loudly
  local name=$1; shift
  echo "[$(date +%T)] $*" | tee -a "$log"
  if ! "$@" >"$out/$name.log" 2>&1; then
    tail -n 30 "$out/$name.log" >&2
    echo "reproduce-results: '$*' failed; its output is $out/$name.log" >&2
    exit 1
  fi
}

# ---- (a) the cost ladder ----
ladder() {  # size mae_preset crossmae_preset batch
  local size=$1 mae=$2 cross=$3 batch=$4 dir="$out/ladder-$1"
  mkdir -p "$dir"
  /usr/bin/env python3 - "$dir" "$mae" "$cross" <<'EOF'
import json, os, sys
dir, mae, cross = sys.argv[1:4]
load = lambda n: json.load(open(os.path.join("configs", n + ".json")))
plain = {"weight_fm": False, "use_fm": [], "use_input": False}
rungs = {"1-mae": load(mae),
         "2-cross": {**load(cross), **plain, "kept_mask_ratio": 0.75},
         "3-partial": {**load(cross), **plain, "kept_mask_ratio": 0.25},
         "4-interblock": {**load(cross), "kept_mask_ratio": 0.25}}
for name, c in rungs.items():
    json.dump(c, open(os.path.join(dir, name + ".json"), "w"), indent=1)
EOF
  local configs="$dir/1-mae.json,$dir/2-cross.json,$dir/3-partial.json,$dir/4-interblock.json"
  for f in 1-mae 2-cross 3-partial 4-interblock; do
    run "ladder-$size-info-$f" bin/jmae info --config "$dir/$f.json"
  done
  for r in $(seq "$rounds"); do
    run "ladder-$size-bench-$r" bin/jmae bench --config "$configs" --batch-size "$batch" "${bench[@]}"
  done
}
if [ "$part" != quality ]; then
  ladder fashion_mnist fashion_mnist_mae fashion_mnist_crossmae 128
  [ $quick -eq 1 ] || ladder vit_small mae_vit_small_patch16 crossmae_vit_small_patch16 16
fi
[ "$part" != ladder ] || models=()

# ---- (b) quality ----
declare -A variant=([mae]="--config fashion_mnist_mae" [crossmae_075]="--config fashion_mnist_crossmae"
                    [crossmae_025]="--config fashion_mnist_crossmae --set kept_mask_ratio=0.25")
[ "$part" = ladder ] || models=(mae crossmae_075 crossmae_025)
for m in "${models[@]}"; do
  # shellcheck disable=SC2086  # the variant's words are options
  run "pretrain-$m" bin/jmae pretrain ${variant[$m]} "${data[@]}" "${pre[@]}" --no-progress --out "$out/pretrain-$m"
  ckpt="$out/pretrain-$m/checkpoint-last.safetensors"
  run "probe-$m" bin/jmae probe --checkpoint "$ckpt" "${data[@]}" --epochs "$probe_epochs"
  run "linprobe-$m" bin/jmae linprobe --checkpoint "$ckpt" "${data[@]}" --epochs "$lp_epochs" --no-progress --out "$out/linprobe-$m"
  run "finetune-$m" bin/jmae finetune --checkpoint "$ckpt" "${data[@]}" --epochs "$ft_epochs" --no-progress --out "$out/finetune-$m"
done
if [ "$part" != ladder ]; then
run linprobe-random bin/jmae linprobe --from-scratch "${data[@]}" --epochs "$lp_epochs" --no-progress --out "$out/linprobe-random"
run finetune-scratch bin/jmae finetune --from-scratch "${data[@]}" --epochs "$ft_epochs" --no-progress --out "$out/finetune-scratch"
run reconstruct bin/jmae reconstruct "${data[@]}" --out "$out/reconstructions.png" --count 8 \
  --checkpoint "$out/pretrain-mae/checkpoint-last.safetensors" \
  --checkpoint "$out/pretrain-crossmae_075/checkpoint-last.safetensors" \
  --checkpoint "$out/pretrain-crossmae_025/checkpoint-last.safetensors"
fi

elapsed=$(( $(date +%s) - start ))
/usr/bin/env python3 - "$out" "$elapsed" "$quick" <<'EOF'
import glob, json, os, re, statistics, sys
out, elapsed, quick = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
lines = []
say = lambda s="": (print(s), lines.append(s))

def epochs(path):  # a run's per-epoch records from its metrics.jsonl, in order
    return [r for r in (json.loads(l) for l in open(path) if l.strip()) if r.get("type") == "epoch"]

def last_epoch(path):
    return epochs(path)[-1]

say("# Results run (%s)" % ("--quick" if quick else "full"))
say()
say(open(os.path.join(out, "machine.txt")).read().strip() + "; %d min %d s in all" % (elapsed // 60, elapsed % 60))
# paper: Table 5 runtime per epoch (2 A100s, ViT-B): MAE 9.35, +cross 7.38, +partial 6.32, +inter-block 8.41 min;
# Table 4 memory per GPU: MAE 68386, CrossMAE 0.75 57987, CrossMAE 0.25 36805 MB
paper_speed = {"1-mae": 1.0, "2-cross": 9.35 / 7.38, "3-partial": 9.35 / 6.32, "4-interblock": 9.35 / 8.41}
names = {"1-mae": "MAE", "2-cross": "+ cross-attention decoder (gamma 0.75)",
         "3-partial": "+ partial reconstruction (gamma 0.25)", "4-interblock": "+ inter-block attention (gamma 0.25)"}
for size in ("fashion_mnist", "vit_small"):
    benches = sorted(glob.glob(os.path.join(out, "ladder-%s-bench-*.log" % size)))
    if not benches:
        continue
    rows = {}
    for b in benches:
        text = open(b).read().splitlines()
        body = text[[i for i, l in enumerate(text) if l.startswith("model ")][0] + 1:]
        for l in body:
            m = re.match(r"\S*/(\d-\w+)\.json\s+([\d,]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", l)
            if m:
                rows.setdefault(m.group(1), []).append((float(m.group(3)), float(m.group(5))))
    dec = {}
    for k in names:
        info = open(os.path.join(out, "ladder-%s-info-%s.log" % (size, k))).read()
        dec[k] = float(re.search(r"decoder ([\d.]+) G", info).group(1))
    say()
    say("## Cost ladder, %s (medians of %d bench runs, one process each)" % (size, len(benches)))
    say()
    say("| rung | img/s | speed vs MAE | paper (Table 5, per epoch) | step peak MB | memory vs MAE | decoder GFLOPs/img | decoder FLOPs vs MAE |")
    say("|---|---|---|---|---|---|---|---|")
    ips0 = statistics.median(r[0] for r in rows["1-mae"])
    mem0 = max(r[1] for r in rows["1-mae"])
    for k, label in names.items():
        ips = statistics.median(r[0] for r in rows[k])
        mem = max(r[1] for r in rows[k])
        say("| %s | %.1f | %.2fx | %.2fx | %.0f | %.2fx | %.4f | %.2fx |" % (label, ips, ips / ips0, paper_speed[k], mem,
                                                                         mem / mem0, dec[k], dec[k] / dec["1-mae"]))
    say()
    say("Paper memory per GPU (Table 4, ViT-B): CrossMAE 0.75 0.85x, CrossMAE 0.25 0.54x of MAE (both with inter-block attention).")

quality = os.path.exists(os.path.join(out, "finetune-scratch", "metrics.jsonl"))
if quality:
    say()
    say("## Quality on Fashion-MNIST (same pretraining budget, same fine-tuning budget)")
    say()
    say("| encoder | pretrain loss | masked-patch PSNR dB | oracle-statistics baseline dB | margin dB | k-NN top-1 | quick linear top-1 | linprobe top-1 | fine-tune top-1 |")
    say("|---|---|---|---|---|---|---|---|---|")
    for m, label in (("mae", "MAE"), ("crossmae_075", "CrossMAE gamma 0.75"), ("crossmae_025", "CrossMAE gamma 0.25")):
        p = last_epoch(os.path.join(out, "pretrain-" + m, "metrics.jsonl"))
        probe = open(os.path.join(out, "probe-%s.log" % m)).read()
        # columns: encoder, raw pixels, the same encoder randomly initialized
        knn = re.search(r"k-NN \(k=20, cosine\)\s+([\d.]+)%\s+([\d.]+)%\s+([\d.]+)%", probe)
        lin = re.search(r"linear probe \(\d+ epochs\)\s+([\d.]+)%\s+([\d.]+)%\s+([\d.]+)%", probe)
        lp = last_epoch(os.path.join(out, "linprobe-" + m, "metrics.jsonl"))
        ft = last_epoch(os.path.join(out, "finetune-" + m, "metrics.jsonl"))
        say("| %s | %.4f | %.2f | %.2f | %+.2f | %s%% | %s%% | %.2f%% (best %.2f%%) | %.2f%% (best %.2f%%) |" % (
            label, p["loss"], p["test_psnr"], p["test_baseline_psnr"], p["test_psnr"] - p["test_baseline_psnr"],
            knn.group(1), lin.group(1), lp["test_acc1"], lp["max_accuracy"], ft["test_acc1"], ft["max_accuracy"]))
    lp = last_epoch(os.path.join(out, "linprobe-random", "metrics.jsonl"))
    ft = last_epoch(os.path.join(out, "finetune-scratch", "metrics.jsonl"))
    say("| random init (no pretraining) | | | | | %s%% | %s%% | %.2f%% (best %.2f%%) | %.2f%% (best %.2f%%) |" % (
        knn.group(3), lin.group(3), lp["test_acc1"], lp["max_accuracy"], ft["test_acc1"], ft["max_accuracy"]))
    say("| raw pixels (probe's baseline) | | | | | %s%% | %s%% | | |" % (knn.group(2), lin.group(2)))
    say()
    say("Reconstructions (rows: MAE, CrossMAE 0.75, CrossMAE 0.25 on the same test images): reconstructions.png")
    # the curves behind the last epoch's figures: whether a budget ended on a plateau or still rising
    runs = [("MAE", "mae"), ("CrossMAE gamma 0.75", "crossmae_075"), ("CrossMAE gamma 0.25", "crossmae_025")]
    for title, prefix, key, fmt, extra in (
            ("Pretraining: masked-patch PSNR margin over the oracle-statistics baseline per epoch (dB)",
             "pretrain-", None, "%+.2f", []),
            ("Fine-tuning: top-1 per epoch (%)", "finetune-", "test_acc1", "%.2f", [("from scratch", "finetune-scratch")]),
            ("Official linear probe: top-1 per epoch (%)", "linprobe-", "test_acc1", "%.2f",
             [("random init", "linprobe-random")])):
        rows = [(label, prefix + m) for label, m in runs] + extra
        curves = {label: epochs(os.path.join(out, d, "metrics.jsonl")) for label, d in rows}
        n = max(len(c) for c in curves.values())
        say()
        say("%s:" % title)
        say()
        say("| encoder | " + " | ".join(str(e + 1) for e in range(n)) + " |")
        say("|---|" + "---|" * n)
        for label, c in curves.items():
            vals = [fmt % (r["test_psnr"] - r["test_baseline_psnr"] if key is None else r[key]) for r in c]
            say("| %s | %s |" % (label, " | ".join(vals + [""] * (n - len(vals)))))
say()
say("Commands:")
say()
say("```")
for l in open(os.path.join(out, "commands.log")):
    say(l.rstrip())
say("```")
open(os.path.join(out, "summary.md"), "w").write("\n".join(lines) + "\n")
EOF
echo "summary: $out/summary.md"
