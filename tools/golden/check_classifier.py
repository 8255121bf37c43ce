#!/usr/bin/python3
"""Prove that a checkpoint of `jmae finetune` or `jmae linprobe` loads into the PyTorch classifier
(models_vit.VisionTransformer as timm 0.9.7 runs it, make_finetune_step_fixtures.py) with
strict=True, and optionally that its logits on given images match.

    check_classifier.py CHECKPOINT... [--io FILE]... [--atol 1e-5] [-v]

The config (input_size, patch_size, in_chans, embed_dim, depth, num_heads, mlp_ratio, norm_eps,
nb_classes, global_pool) is read from the checkpoint's "config" metadata; a "head.1.weight" key
means the linear probe's head, Sequential(BatchNorm1d(affine=False), Linear). The optimizer.*
entries are dropped. --io FILE holds "images" [N, C, H, W] and "logits" [N, K] (the model in eval
mode); the i-th --io goes with the i-th checkpoint. Exit status: 0 all checks passed; 1 problems found (listed on stderr); 2 usage error.
"""
import argparse
import json
import os
import sys

import torch

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from make_finetune_step_fixtures import VisionTransformer  # noqa: E402
from safetensors_io import load_file  # noqa: E402


def check(path, io_path, atol, verbose):
    """The problems of one checkpoint (and its images and logits), as a list of strings."""
    tensors, meta = load_file(path)
    if "config" not in meta:
        return ["%s has no config metadata" % path]
    config = json.loads(meta["config"])
    state = {k: torch.as_tensor(v) for k, v in tensors.items() if not k.startswith("optimizer.")}
    model = VisionTransformer(config, probe_head="head.1.weight" in state)
    if "head.0.num_batches_tracked" in state:
        state["head.0.num_batches_tracked"] = state["head.0.num_batches_tracked"].long()
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        return ["%s: load_state_dict(strict=True): %s" % (path, e)]
    if io_path:
        io, _ = load_file(io_path)
        model.eval()
        with torch.no_grad():
            got = model(torch.as_tensor(io["images"]))
        err = float((got - torch.as_tensor(io["logits"])).abs().max())
        if verbose:
            print("%s: logits max |error| %.3g" % (path, err))
        if not err <= atol:
            return ["%s: logits max |error| %.3g > %.3g" % (path, err, atol)]
    print("OK: %s: %d tensors loaded with strict=True%s" % (path, len(state), " and logits match" if io_path else ""))
    return []


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--io", action="append", default=[])
    ap.add_argument("--atol", type=float, default=1e-5)
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    if args.io and len(args.io) != len(args.checkpoints):
        print("give one --io per checkpoint or none", file=sys.stderr)
        return 2
    problems = []
    for i, path in enumerate(args.checkpoints):
        problems += check(path, args.io[i] if args.io else None, args.atol, args.v)
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
