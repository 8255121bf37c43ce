#!/usr/bin/python3
"""Prove that a (jmae-written) safetensors state dict loads into the PyTorch reference with strict=True,
and optionally that the PyTorch forward/backward on it matches given outputs.

Layers:
    check_state_dict.py STATE --kind block --args '{"dim": 32, "num_heads": 4, "mlp_ratio": 4.0}' \\
        [--prefix param.] [--io FILE]
  --io FILE holds input.x (and input.context), output, and optionally grad_output with
  grad_input.* / grad.<key> (the nn fixture format). STATE may be the fixture itself (--prefix param.).
Models (CrossMAE / MAE):
    check_state_dict.py STATE --kind model [--args CONFIG_JSON] [--batch FILE --expected FILE]
  Without --args the flat config is taken from STATE's "config" metadata. --batch holds images and
  noise; --expected holds loss, pred, mask and optionally ids_keep / ids_pred / ids_restore / grad.<key>.

Without --kind, the kind is inferred from STATE's metadata ("config" -> model, "module" -> layer).
Exit status: 0 all checks passed; 1 problems found (listed on stderr); 2 usage error.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.dont_write_bytecode = True  # keep tools/golden free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from layers import LAYER_KINDS  # noqa: E402
from models import build_model, sincos_2d_table  # noqa: E402
from safetensors_io import load_dtypes, load_file  # noqa: E402

MODEL_KINDS = ("model", "crossmae", "mae")
CLASS_TO_KIND = {cls: kind for kind, (_, cls) in LAYER_KINDS.items()}


class Checker:
    def __init__(self, atol, rtol):
        self.atol, self.rtol = atol, rtol
        self.problems = []
        self.notes = []

    def problem(self, msg):
        self.problems.append(msg)

    def compare(self, name, got, want, grad=False):
        got = torch.as_tensor(got).detach().double()
        want = torch.as_tensor(np.asarray(want)).double()
        if tuple(got.shape) != tuple(want.shape):
            self.problem("%s: shape %s, expected %s" % (name, list(got.shape), list(want.shape)))
            return
        if got.numel() == 0:
            return
        scale = max(1.0, float(want.abs().max())) if grad else 1.0
        err = (got - want).abs()
        bound = self.atol * scale + self.rtol * want.abs()
        bad = err > bound
        if not torch.isfinite(got).all():
            self.problem("%s: non-finite values" % name)
        elif bad.any():
            i = int(torch.argmax((err - bound).reshape(-1)))
            self.problem("%s: %d/%d elements out of tolerance; max abs err %.3e (at flat index %d: got %.8g, "
                         "expected %.8g)" % (name, int(bad.sum()), bad.numel(), float(err.max()), i,
                                              float(got.reshape(-1)[i]), float(want.reshape(-1)[i])))
        else:
            self.notes.append("%s: max abs err %.3e" % (name, float(err.max())))


def build_module(kind, args):
    if kind in MODEL_KINDS:
        cfg = dict(args)
        if kind != "model":
            cfg.setdefault("model", kind)
            if cfg["model"] != kind:
                raise ValueError("--kind %s but config model %r" % (kind, cfg["model"]))
        return build_model(cfg)
    if kind not in LAYER_KINDS:
        raise ValueError("unknown kind %r; expected one of %s" % (kind, sorted(list(LAYER_KINDS) + list(MODEL_KINDS))))
    return LAYER_KINDS[kind][0](dict(args))


def check_keys(chk, module, state):
    expected = module.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    misshaped = ["%s: got %s, expected %s" % (k, list(state[k].shape), list(expected[k].shape))
                 for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    if missing:
        chk.problem("missing keys: %s" % missing)
    if unexpected:
        chk.problem("unexpected keys: %s" % unexpected)
    if misshaped:
        chk.problem("mis-shaped keys: %s" % misshaped)
    return not (missing or unexpected or misshaped)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("state", help="safetensors state dict to check")
    ap.add_argument("--kind", help="layer kind (%s) or model/crossmae/mae" % ", ".join(LAYER_KINDS))
    ap.add_argument("--args", help="constructor args (layers) or flat config (models) as JSON")
    ap.add_argument("--args-file", help="file holding the --args JSON")
    ap.add_argument("--prefix", default="", help="only keys starting with this prefix, prefix stripped "
                    "(use 'param.' for the nn fixture files)")
    ap.add_argument("--io", help="layer inputs/outputs (nn fixture format)")
    ap.add_argument("--batch", help="model batch (images, noise)")
    ap.add_argument("--expected", help="model expected outputs (loss, pred, mask, grad.*)")
    ap.add_argument("--atol", type=float, default=1e-5)
    ap.add_argument("--rtol", type=float, default=1e-4)
    ap.add_argument("-v", "--verbose", action="store_true", help="print per-tensor max errors")
    a = ap.parse_args(argv)

    torch.set_num_threads(1)
    try:
        raw, meta = load_file(a.state)
        dtypes = load_dtypes(a.state)
    except Exception as e:  # noqa: BLE001
        print("cannot read %s: %s" % (a.state, e), file=sys.stderr)
        return 1

    kind = a.kind
    if kind is None:
        if "config" in meta:
            kind = "model"
        elif meta.get("module") in CLASS_TO_KIND:
            kind = CLASS_TO_KIND[meta["module"]]
        else:
            print("usage error: --kind not given and not inferable from metadata", file=sys.stderr)
            return 2
    if a.args_file:
        with open(a.args_file) as f:
            args_json = f.read()
    elif a.args:
        args_json = a.args
    elif kind in MODEL_KINDS and "config" in meta:
        args_json = meta["config"]
    elif "args" in meta:
        args_json = meta["args"]
    else:
        print("usage error: no --args and no config/args metadata in %s" % a.state, file=sys.stderr)
        return 2
    try:
        args = json.loads(args_json)
        module = build_module(kind, args)
    except Exception as e:  # noqa: BLE001
        print("cannot build %s from %s: %s" % (kind, args_json, e), file=sys.stderr)
        return 1

    chk = Checker(a.atol, a.rtol)
    state = {}
    for k, v in raw.items():
        if not k.startswith(a.prefix):
            continue
        if dtypes[k] != "F32":
            chk.problem("%s: dtype %s, expected F32" % (k, dtypes[k]))
        state[k[len(a.prefix):]] = torch.from_numpy(np.ascontiguousarray(v).astype(np.float32))
    keys_ok = check_keys(chk, module, state)
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as e:
        chk.problem("load_state_dict(strict=True) failed: %s" % str(e).replace("\n", " "))
        keys_ok = False

    if keys_ok and kind in MODEL_KINDS:
        for name in ("pos_embed", "decoder_pos_embed"):
            p = getattr(module, name)
            table = torch.from_numpy(sincos_2d_table(p.shape[-1], module.patch_embed.grid)).float().unsqueeze(0)
            err = float((p.detach() - table).abs().max())
            if err > 1e-6:
                chk.problem("%s differs from the 2-D sin-cos table of docs/model.md §5 (max abs err %.3e)" % (name, err))

    if keys_ok and kind not in MODEL_KINDS and a.io:
        io, _ = load_file(a.io, as_torch=True)
        names = [k for k in ("x", "context") if "input." + k in io]
        inputs = [io["input." + k].clone().requires_grad_(True) for k in names]
        out = module(*inputs)
        if "output" in io:
            chk.compare("output", out, io["output"])
        if "grad_output" in io:
            module.zero_grad(set_to_none=True)
            out.backward(io["grad_output"])
            for n, t in zip(names, inputs):
                if "grad_input." + n in io:
                    chk.compare("grad_input." + n, t.grad, io["grad_input." + n], grad=True)
            for k, p in module.named_parameters():
                if "grad." + k in io:
                    chk.compare("grad." + k, p.grad, io["grad." + k], grad=True)
    elif keys_ok and kind in MODEL_KINDS and (a.batch or a.expected):
        if not (a.batch and a.expected):
            print("usage error: --batch and --expected go together", file=sys.stderr)
            return 2
        batch, _ = load_file(a.batch, as_torch=True)
        exp, _ = load_file(a.expected, as_torch=True)
        module.zero_grad(set_to_none=True)
        loss, pred, mask, aux = module(batch["images"], batch["noise"], return_aux=True)
        chk.compare("loss", loss.reshape(1), exp["loss"].reshape(-1))
        chk.compare("pred", pred, exp["pred"])
        chk.compare("mask", mask, exp["mask"])
        for k in ("ids_keep", "ids_pred", "ids_restore"):
            if k in exp and k in aux:
                chk.compare(k, aux[k].float(), exp[k])
        grad_keys = [k for k in exp if k.startswith("grad.")]
        if grad_keys:
            loss.backward()
            trainable = {k: p for k, p in module.named_parameters() if p.requires_grad}
            for k in grad_keys:
                if k[5:] not in trainable:
                    chk.problem("%s: not a trainable parameter" % k)
            for k, p in trainable.items():
                if "grad." + k not in exp:
                    chk.problem("grad.%s missing from %s" % (k, a.expected))
                else:
                    chk.compare("grad." + k, p.grad, exp["grad." + k], grad=True)

    if a.verbose:
        for n in chk.notes:
            print("  " + n)
    if chk.problems:
        print("FAILED: %s (%s), %d problem(s):" % (a.state, kind, len(chk.problems)), file=sys.stderr)
        for p in chk.problems:
            print("  - " + p, file=sys.stderr)
        return 1
    print("OK: %s loads into %s with strict=True%s" % (
        a.state, type(module).__name__,
        "; %d tensors compared" % len(chk.notes) if chk.notes else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
