#!/usr/bin/python3
"""Write the jmae golden fixtures (deterministic: fixed seeds, one CPU thread).

    /usr/bin/python3 tools/golden/make_fixtures.py [--root /work/main]

nn layers + AdamW -> nn/src/test/resources/golden/
models            -> crossmae/src/test/resources/golden/<variant>.{weights,batch,expected}.safetensors
"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn

sys.dont_write_bytecode = True  # keep tools/golden free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from layers import LAYER_KINDS  # noqa: E402
from models import build_model, masking_from_noise  # noqa: E402
from safetensors_io import save_file  # noqa: E402

SCRIPT = "tools/golden/make_fixtures.py"
TORCH_VERSION = torch.__version__


def base_meta(seed):
    return {"torch_version": TORCH_VERSION, "script": SCRIPT, "seed": str(seed)}


def setup_determinism():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.set_default_dtype(torch.float32)


# ----------------------------------------------------------------------------------------------
# nn layers
# ----------------------------------------------------------------------------------------------

LAYER_CASES = [
    # case, kind, args, {input name: shape}
    ("linear", "linear", {"in_features": 7, "out_features": 5, "bias": True}, {"x": [3, 4, 7]}),
    ("layer_norm", "layer_norm", {"normalized_shape": 33, "eps": 1e-6}, {"x": [2, 5, 33]}),
    ("mlp", "mlp", {"in_features": 16, "hidden_features": 64, "out_features": 16}, {"x": [2, 7, 16]}),
    ("attention", "attention", {"dim": 32, "num_heads": 4, "qkv_bias": True}, {"x": [2, 7, 32]}),
    ("cross_attention", "cross_attention", {"dim": 16, "context_dim": 32, "num_heads": 2, "qkv_bias": True},
     {"x": [2, 5, 16], "context": [2, 9, 32]}),
    ("block", "block", {"dim": 32, "num_heads": 4, "mlp_ratio": 4.0, "qkv_bias": True, "eps": 1e-6},
     {"x": [2, 7, 32]}),
    ("cross_attention_block", "cross_attention_block",
     {"dim": 16, "context_dim": 32, "num_heads": 2, "mlp_ratio": 4.0, "qkv_bias": True, "self_attn": True,
      "eps": 1e-6},
     {"x": [2, 5, 16], "context": [2, 9, 32]}),
]


def perturb_layer_norms(module, scale_w=0.2, scale_b=0.1):
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.add_(scale_w * torch.randn_like(m.weight))
                m.bias.add_(scale_b * torch.randn_like(m.bias))


def make_layer_case(out_dir, idx, case, kind, args, input_shapes):
    seed = 1000 + idx
    torch.manual_seed(seed)
    factory, class_name = LAYER_KINDS[kind]
    module = factory(dict(args))
    perturb_layer_norms(module)
    inputs = {}
    for name, shape in input_shapes.items():
        t = torch.randn(*shape)
        if kind == "layer_norm":
            t = 1.5 * t + 0.3  # non-zero mean, non-unit variance
        inputs[name] = t.requires_grad_(True)
    out = module(*inputs.values())
    grad_output = torch.randn_like(out)
    out.backward(grad_output)

    tensors = {}
    for k, p in module.named_parameters():
        tensors["param." + k] = p.detach()
    for name, t in inputs.items():
        tensors["input." + name] = t.detach()
    tensors["grad_output"] = grad_output
    tensors["output"] = out.detach()
    for name, t in inputs.items():
        tensors["grad_input." + name] = t.grad
    for k, p in module.named_parameters():
        tensors["grad." + k] = p.grad
    meta = base_meta(seed)
    meta.update({"module": class_name, "args": json.dumps(args),
                 "inputs": json.dumps(list(input_shapes.keys()))})
    path = os.path.join(out_dir, case + ".safetensors")
    save_file(path, tensors, meta)
    return path, tensors


# ----------------------------------------------------------------------------------------------
# AdamW
# ----------------------------------------------------------------------------------------------


def make_adamw(out_dir):
    seed = 2000
    torch.manual_seed(seed)
    groups_spec = [
        {"names": ["w1", "w2"], "lr": 1e-2, "weight_decay": 0.05},
        {"names": ["b1"], "lr": 5e-3, "weight_decay": 0.0},
    ]
    shapes = {"w1": [4, 3], "w2": [5], "b1": [3]}
    betas, eps, steps = (0.9, 0.95), 1e-8, 5
    params = {n: nn.Parameter(torch.randn(*s)) for n, s in shapes.items()}
    grads = {s: {n: torch.randn(*shapes[n]) for n in shapes} for s in range(1, steps + 1)}
    tensors = {"init." + n: p.detach().clone() for n, p in params.items()}
    opt = torch.optim.AdamW(
        [{"params": [params[n] for n in g["names"]], "lr": g["lr"], "weight_decay": g["weight_decay"]}
         for g in groups_spec],
        lr=1e-3, betas=betas, eps=eps, amsgrad=False, maximize=False, foreach=False)
    for s in range(1, steps + 1):
        for gs, group in zip(groups_spec, opt.param_groups):
            group["lr"] = gs["lr"] * s / steps
        for n, p in params.items():
            p.grad = grads[s][n].clone()
        opt.step()
        for n in shapes:
            tensors["grad.%d.%s" % (s, n)] = grads[s][n]
        for n, p in params.items():
            tensors["param.%d.%s" % (s, n)] = p.detach().clone()
    for n, p in params.items():
        st = opt.state[p]
        assert int(st["step"]) == steps
        tensors["exp_avg.%d.%s" % (steps, n)] = st["exp_avg"].clone()
        tensors["exp_avg_sq.%d.%s" % (steps, n)] = st["exp_avg_sq"].clone()
    meta = base_meta(seed)
    meta.update({"groups": json.dumps(groups_spec), "betas": json.dumps(list(betas)), "eps": json.dumps(eps),
                 "steps": str(steps), "lr_rule": "lr_s = lr * s / 5",
                 "optimizer": "torch.optim.AdamW(amsgrad=False, maximize=False, foreach=False)",
                 "shapes": json.dumps(shapes)})
    path = os.path.join(out_dir, "adamw.safetensors")
    save_file(path, tensors, meta)
    return path, tensors


# ----------------------------------------------------------------------------------------------
# models
# ----------------------------------------------------------------------------------------------

BASE = dict(model="crossmae", img_size=16, patch_size=4, in_chans=3, embed_dim=32, depth=3, num_heads=2,
            decoder_embed_dim=16, decoder_depth=2, decoder_num_heads=2, mlp_ratio=4.0, mask_ratio=0.75,
            kept_mask_ratio=0.25, weight_fm=True, use_fm=[-1], use_input=True, self_attn=False,
            norm_pix_loss=True, norm_eps=1e-6)
MAE_NEUTRAL = dict(model="mae", kept_mask_ratio=0.75, weight_fm=False, use_fm=[], use_input=False,
                   self_attn=False)
BATCH_N = 3

VARIANTS = [
    ("crossmae_kmr025", dict()),
    ("crossmae_kmr075", dict(kept_mask_ratio=0.75)),
    ("crossmae_selfattn", dict(kept_mask_ratio=0.75, self_attn=True)),
    ("crossmae_lastfm", dict(kept_mask_ratio=0.25, use_fm=[2], use_input=False)),
    ("crossmae_gray", dict(in_chans=1, kept_mask_ratio=0.25)),
    ("mae", dict(MAE_NEUTRAL)),
    ("mae_nonorm", dict(MAE_NEUTRAL, norm_pix_loss=False)),
]


def perturb_model(model):
    """Move zero/one-initialized parameters away from their init so they are exercised."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if not p.requires_grad:
                continue
            if name.endswith(".bias"):
                p.add_(0.05 * torch.randn_like(p))
            elif name in ("cls_token", "mask_token"):
                p.add_(0.02 * torch.randn_like(p))
        for m in model.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.add_(0.1 * torch.randn_like(m.weight))


def make_model_variant(out_dir, idx, variant, overrides):
    seed = 3000 + 10 * idx
    cfg = dict(BASE)
    cfg.update(overrides)
    config_json = json.dumps(cfg)
    torch.manual_seed(seed)
    model = build_model(cfg)
    perturb_model(model)

    torch.manual_seed(seed + 1)
    c, s = cfg["in_chans"], cfg["img_size"]
    L = (s // cfg["patch_size"]) ** 2
    images = torch.randn(BATCH_N, c, s, s)
    noise = torch.rand(BATCH_N, L)
    for row in noise:
        assert len(set(row.tolist())) == L, "tied noise values"

    model.zero_grad(set_to_none=True)
    loss, pred, mask, aux = model(images, noise, return_aux=True)
    loss.backward()

    meta = base_meta(seed)
    meta["config"] = config_json
    meta["variant"] = variant

    weights = {k: v.detach() for k, v in model.state_dict().items()}
    batch = {"images": images, "noise": noise}
    expected = {"loss": loss.detach().reshape(1), "pred": pred.detach(), "mask": mask.detach()}
    # debugging aids: token indices as float32
    expected["ids_keep"] = aux["ids_keep"].float()  # visible patches in encoder (ascending-noise) order
    if cfg["model"] == "crossmae":
        expected["ids_pred"] = aux["ids_pred"].float()  # predicted patches, ascending patch index
    else:
        expected["ids_restore"] = aux["ids_restore"].float()
    for k, p in model.named_parameters():
        if p.requires_grad:
            assert p.grad is not None, "no gradient reached " + k
            expected["grad." + k] = p.grad
    paths = []
    for suffix, tensors in (("weights", weights), ("batch", batch), ("expected", expected)):
        path = os.path.join(out_dir, "%s.%s.safetensors" % (variant, suffix))
        save_file(path, tensors, meta)
        paths.append((path, tensors))
    return paths


def describe(path, tensors, root):
    size = os.path.getsize(path)
    print("%-66s %7d bytes, %3d tensors" % (os.path.relpath(path, root), size, len(tensors)))
    if path.endswith(".weights.safetensors"):
        return size
    shown = [(k, v) for k, v in tensors.items()
             if not k.startswith(("grad.", "param.", "init.", "exp_avg"))]
    if shown:
        print("    " + ", ".join("%s %s" % (k, list(v.shape)) for k, v in shown))
    return size


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=os.path.abspath(os.path.join(HERE, "..", "..")),
                    help="jmae checkout root (default: two levels above this script)")
    args = ap.parse_args()
    setup_determinism()
    nn_dir = os.path.join(args.root, "nn", "src", "test", "resources", "golden")
    cm_dir = os.path.join(args.root, "crossmae", "src", "test", "resources", "golden")
    os.makedirs(nn_dir, exist_ok=True)
    os.makedirs(cm_dir, exist_ok=True)
    total = 0
    print("torch %s" % TORCH_VERSION)
    for idx, (case, kind, a, shapes) in enumerate(LAYER_CASES):
        path, tensors = make_layer_case(nn_dir, idx, case, kind, a, shapes)
        total += describe(path, tensors, args.root)
    path, tensors = make_adamw(nn_dir)
    total += describe(path, tensors, args.root)
    for idx, (variant, ov) in enumerate(VARIANTS):
        for path, tensors in make_model_variant(cm_dir, idx, variant, ov):
            total += describe(path, tensors, args.root)
    print("total %d bytes (%.2f MiB)" % (total, total / 2 ** 20))


if __name__ == "__main__":
    main()
