#!/usr/bin/python3
"""PyTorch's side of the device check: the same training step jmae bench times, with tools/golden's
independent PyTorch models (models.py, layers.py), on the same GPU.

Models: the ViT-B presets of configs/ (mae_vit_base_patch16, crossmae_vit_base_patch16 with γ =
kept_mask_ratio 0.75 and 0.25). A step is what jmae bench times: forward with fixed random images and
masking noise, backward, AdamW (lr 1.5e-4, betas (0.9, 0.95), weight decay 0.05; fused where this
PyTorch offers it). Modes:
  fp32       torch.set_float32_matmul_precision("highest"), attention written out as layers.py does
             (softmax(q·kᵀ·scale)·v)
  tf32       torch.set_float32_matmul_precision("high") (TF32 tensor cores), the same attention
  tf32+sdpa  "high" and attention through torch.nn.functional.scaled_dot_product_attention
             (PyTorch's fused kernels; absent before torch 2.0)
Also torch.matmul's TFLOP/s at the ViT-B GEMM shapes (the JMH MatmulBench's qkv and mlp shapes, NT and
TN) in fp32 and TF32, and SDPA's attention time at AttentionBench's shape.

--models picks other configs (comma separated, "name" or "name:gamma" for kept_mask_ratio), e.g. the
CPU peer run of tools/bench-vs-pytorch.sh; --threads sets torch's and OpenBLAS's thread counts on a CPU
(the OpenBLAS core type in use is recorded: Debian's python3-torch runs the reference BLAS unless
libopenblas0-pthread is installed, and OPENBLAS_CORETYPE picks the kernels).

Writes one JSON object (--out): {"torch", "device", "blas", "steps": [{model, mode, images_per_s, ms_per_step,
peak_mb, loss}], "gemm": [...], "attention": [...], "errors": [...]}. Timing: device synchronize
around the timed steps (wall clock); GEMMs with CUDA events, median of the repeats.
"""
import argparse
import json
import math
import os
import sys
import time
import traceback

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "golden"))
import layers  # noqa: E402
from models import CONFIG_KEYS, build_model  # noqa: E402

EXPLICIT = layers.scaled_dot_product


def sdpa(q, k, v, scale):
    return F.scaled_dot_product_attention(q, k, v, scale=scale)


def config(name, **overrides):
    with open(os.path.join(ROOT, "configs", name + ".json")) as f:
        c = json.load(f)
    c.update(overrides)
    return {k: v for k, v in c.items() if k in CONFIG_KEYS}


def model_list(spec):
    """[(row name as jmae bench prints it, config)] from "name[:gamma],..."."""
    out = []
    for item in spec.split(","):
        name, _, gamma = item.strip().partition(":")
        cfg = config(name, **({"kept_mask_ratio": float(gamma)} if gamma else {}))
        label = "MAE" if cfg.get("model") == "mae" else "CrossMAE gamma %g" % cfg["kept_mask_ratio"]
        out.append((label, cfg))
    return out


def blas_info():
    """The BLAS torch's CPU matmul calls: the OpenBLAS library, core type and thread count, or why not known."""
    import ctypes
    maps = open("/proc/self/maps").read()
    libs = sorted({line.split()[-1] for line in maps.splitlines() if "blas" in line.split()[-1]})
    info = {"libraries": libs}
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        info["openblas_core"] = lib.openblas_get_corename().decode()
        info["openblas_threads"] = lib.openblas_get_num_threads()
    except (OSError, AttributeError) as e:
        info["openblas_core"] = "unknown (%s)" % e
    return info


def set_mode(mode):
    tf32 = mode != "fp32"
    torch.set_float32_matmul_precision("high" if tf32 else "highest")
    if torch.cuda.is_available():
        torch.backends.cudnn.allow_tf32 = tf32
    layers.scaled_dot_product = sdpa if mode.endswith("sdpa") else EXPLICIT


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_steps(name, cfg, mode, device, batch, warmup, steps):
    set_mode(mode)
    torch.manual_seed(0)
    model = build_model(cfg).to(device)
    model.train()
    kwargs = {"lr": 1.5e-4, "betas": (0.9, 0.95), "weight_decay": 0.05}
    try:
        opt = torch.optim.AdamW(model.parameters(), fused=device.type == "cuda", **kwargs)
    except TypeError:  # older PyTorch: no fused AdamW
        opt = torch.optim.AdamW(model.parameters(), **kwargs)
    L = (cfg["img_size"] // cfg["patch_size"]) ** 2
    g = torch.Generator().manual_seed(1)
    imgs = torch.randn(batch, cfg.get("in_chans", 3), cfg["img_size"], cfg["img_size"], generator=g).to(device)
    noise = torch.rand(batch, L, generator=g).to(device)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(imgs, noise)[0]
        loss.backward()
        opt.step()
        return loss

    for _ in range(warmup):
        step()
    sync(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    t0 = time.perf_counter()
    loss = None
    for _ in range(steps):
        loss = step()
    sync(device)
    seconds = time.perf_counter() - t0
    peak = torch.cuda.max_memory_allocated(device) / 1e6 if device.type == "cuda" else float("nan")
    del model, opt
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return {"model": name, "mode": mode, "batch": batch, "steps": steps, "images_per_s": batch * steps / seconds,
            "ms_per_step": 1000 * seconds / steps, "peak_mb": peak, "loss": float(loss)}


def time_cuda(fn, repeats):
    """Median milliseconds of fn() timed with CUDA events (after two warm-up calls)."""
    fn()
    fn()
    times = []
    for _ in range(repeats):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    return times[len(times) // 2]


def gemms(device, repeats):
    out = []
    shapes = {"qkv": (3200, 768, 2304), "mlp": (3200, 768, 3072)}
    for shape, (m, k, n) in shapes.items():
        for layout in ("NT", "TN"):
            a = torch.randn(k, m, device=device).t() if layout == "TN" else torch.randn(m, k, device=device)
            b = torch.randn(n, k, device=device).t() if layout == "NT" else torch.randn(k, n, device=device)
            c = torch.empty(m, n, device=device)
            for mode in ("fp32", "tf32"):
                set_mode(mode)
                ms = time_cuda(lambda: torch.matmul(a, b, out=c), repeats)
                out.append({"shape": shape, "layout": layout, "mode": mode, "m": m, "n": n, "k": k, "ms": ms,
                            "tflops": 2.0 * m * n * k / (ms * 1e-3) / 1e12})
    return out


def attention(device, repeats):
    # AttentionBench's shape: the CrossMAE ViT-B decoder cross-attention, B 64, H 16, M 147, N 50, Dh 32
    b, h, m, n, dh = 64, 16, 147, 50, 32
    q = torch.randn(b, h, m, dh, device=device, requires_grad=True)
    k = torch.randn(b, h, n, dh, device=device, requires_grad=True)
    v = torch.randn(b, h, n, dh, device=device, requires_grad=True)
    dout = torch.randn(b, h, m, dh, device=device)
    out = []
    for mode in ("fp32", "tf32", "tf32+sdpa"):
        set_mode(mode)
        f = layers.scaled_dot_product
        fwd = time_cuda(lambda: f(q, k, v, dh ** -0.5), repeats)

        def fwd_bwd():
            o = f(q, k, v, dh ** -0.5)
            o.backward(dout)

        both = time_cuda(fwd_bwd, repeats)
        out.append({"mode": mode, "forward_ms": fwd, "backward_ms": both - fwd})
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--device", default="cuda")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--models", help="configs to time, comma separated, name or name:gamma (default: the ViT-B three)")
    p.add_argument("--threads", type=int, help="CPU threads for torch and OpenBLAS (default: theirs)")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    device = torch.device(a.device)
    if a.threads:
        torch.set_num_threads(a.threads)
        try:
            import ctypes
            ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(a.threads)
        except (OSError, AttributeError):
            pass  # not OpenBLAS: blas_info says which library it is
    result = {"torch": torch.__version__, "device": torch.cuda.get_device_name(device) if device.type == "cuda"
              else "cpu", "cuda": torch.version.cuda, "threads": torch.get_num_threads(),
              "blas": blas_info() if device.type == "cpu" else None, "steps": [], "gemm": [], "attention": [], "errors": []}
    modes = ["fp32", "tf32", "tf32+sdpa"] if device.type == "cuda" else ["fp32"]
    if not hasattr(F, "scaled_dot_product_attention"):
        modes = [m for m in modes if not m.endswith("sdpa")]
        result["errors"].append("torch %s has no scaled_dot_product_attention: the sdpa mode is skipped"
                                % torch.__version__)
    models = model_list(a.models or "mae_vit_base_patch16,crossmae_vit_base_patch16,crossmae_vit_base_patch16:0.25")
    if device.type == "cpu":
        print("torch %s, %d threads, BLAS %s" % (torch.__version__, torch.get_num_threads(), json.dumps(result["blas"])),
              flush=True)

    def save():
        with open(a.out, "w") as f:
            json.dump(result, f, indent=1)

    for mode in modes:
        for name, cfg in models:
            try:
                r = time_steps(name, cfg, mode, device, a.batch, a.warmup, a.steps)
                result["steps"].append(r)
                print("%-22s %-10s %8.1f img/s %8.1f ms/step  peak %8.0f MB  loss %.4f"
                      % (name, mode, r["images_per_s"], r["ms_per_step"], r["peak_mb"], r["loss"]), flush=True)
            except Exception as e:  # keep going: report it
                result["errors"].append("%s %s: %s" % (name, mode, traceback.format_exception_only(type(e), e)[-1].strip()))
                print(result["errors"][-1], flush=True)
            save()
    if device.type == "cuda":
        for part, fn in (("gemm", gemms), ("attention", attention)):
            try:
                result[part] = fn(device, a.repeats)
                for r in result[part]:
                    print(part, json.dumps(r), flush=True)
            except Exception as e:
                result["errors"].append("%s: %s" % (part, traceback.format_exception_only(type(e), e)[-1].strip()))
            save()
    save()
    if any(math.isnan(r["loss"]) for r in result["steps"]):
        print("a loss is NaN", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
