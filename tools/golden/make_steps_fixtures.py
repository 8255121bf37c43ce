#!/usr/bin/python3
"""Write the golden fixtures of `jmae steps`: N AdamW steps of the training step on one batch.

    /usr/bin/python3 tools/golden/make_steps_fixtures.py [--root /work/main]

For each variant it reads the committed model fixtures
crossmae/src/test/resources/golden/<variant>.{weights,batch}.safetensors (make_fixtures.py), builds
the model of models.py from the weights' "config" metadata, and runs what
engine_pretrain.train_one_epoch does with accum_iter 1 and a constant lr, on the same images and
the same masking noise every step:

    optimizer.zero_grad(); loss = model(images, noise); loss_value = loss.item();
    (loss / 1).backward(); optimizer.step()

with main_pretrain.py's optimizer: timm's add_weight_decay groups (no decay for 1-d parameters
and names ending in ".bias"; frozen parameters left out) and
torch.optim.AdamW(groups, lr, betas=(0.9, 0.95)) (eps 1e-8). It writes
crossmae/src/test/resources/golden/<variant>.steps.safetensors:

    losses [N]       the loss before each step
    loss_after [1]   the loss after the last step (no_grad)
    weights.<key>    every parameter after the last step (frozen ones unchanged)

Metadata: steps, lr, weight_decay, betas, eps, variant, config, torch_version, script.
Deterministic (one thread, deterministic algorithms).
"""
import argparse
import json
import os
import sys

import torch

sys.dont_write_bytecode = True  # keep tools/golden free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from models import build_model  # noqa: E402
from safetensors_io import load_file, save_file  # noqa: E402

SCRIPT = "tools/golden/make_steps_fixtures.py"
VARIANTS = ["crossmae_kmr025", "mae"]
STEPS = 5
LR = 1e-3
WEIGHT_DECAY = 0.05
BETAS = (0.9, 0.95)
EPS = 1e-8


def add_weight_decay(model, weight_decay, skip_list=()):
    """timm 0.3.2 optim_factory.add_weight_decay, which main_pretrain.py calls."""
    decay = []
    no_decay = []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue  # frozen weights
        if len(param.shape) == 1 or name.endswith(".bias") or name in skip_list:
            no_decay.append(param)
        else:
            decay.append(param)
    return [{"params": no_decay, "weight_decay": 0.0}, {"params": decay, "weight_decay": weight_decay}]


def run_variant(cm_dir, variant):
    weights, meta = load_file(os.path.join(cm_dir, variant + ".weights.safetensors"), as_torch=True)
    batch, _ = load_file(os.path.join(cm_dir, variant + ".batch.safetensors"), as_torch=True)
    config = json.loads(meta["config"])
    model = build_model(config)
    model.load_state_dict(weights, strict=True)
    model.train()
    optimizer = torch.optim.AdamW(add_weight_decay(model, WEIGHT_DECAY), lr=LR, betas=BETAS, eps=EPS,
                                  amsgrad=False, maximize=False, foreach=False)
    images, noise = batch["images"], batch["noise"]
    losses = []
    optimizer.zero_grad()
    for _ in range(STEPS):
        loss, _, _ = model(images, noise)
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    with torch.no_grad():
        loss_after, _, _ = model(images, noise)
    tensors = {"losses": torch.tensor(losses, dtype=torch.float32),
               "loss_after": loss_after.detach().reshape(1)}
    for k, p in model.named_parameters():
        tensors["weights." + k] = p.detach()
    out_meta = {"torch_version": torch.__version__, "script": SCRIPT, "variant": variant, "config": meta["config"],
                "steps": str(STEPS), "lr": repr(LR), "weight_decay": repr(WEIGHT_DECAY),
                "betas": json.dumps(list(BETAS)), "eps": repr(EPS)}
    path = os.path.join(cm_dir, variant + ".steps.safetensors")
    save_file(path, tensors, out_meta)
    return path, losses, loss_after.item()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=os.path.abspath(os.path.join(HERE, "..", "..")),
                    help="jmae checkout root (default: two levels above this script)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.set_default_dtype(torch.float32)
    cm_dir = os.path.join(args.root, "crossmae", "src", "test", "resources", "golden")
    print("torch %s, %d AdamW steps, lr %g, weight decay %g" % (torch.__version__, STEPS, LR, WEIGHT_DECAY))
    for variant in VARIANTS:
        path, losses, after = run_variant(cm_dir, variant)
        print("%-60s losses %s, after %.6f" % (os.path.relpath(path, args.root),
                                               " ".join("%.6f" % v for v in losses), after))


if __name__ == "__main__":
    main()
