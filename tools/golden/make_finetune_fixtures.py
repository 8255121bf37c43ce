#!/usr/bin/python3
"""Writes the golden fixtures of the fine-tuning building blocks (issue 18).

Outputs:
  nn/src/test/resources/golden/batch_norm1d.safetensors   read by BatchNorm1dTest
  crossmae/src/test/resources/golden/mixup.safetensors     read by MixupTest

batch_norm1d: torch.nn.BatchNorm1d in train mode on two batches (x1, x2), then in eval mode on
x3; cases "probe" (affine=False, eps=1e-6, the official linear probe's head) and "affine"
(affine=True with perturbed weight/bias, eps=1e-5). Tensors per case <case>.<name>:
  x1, x2, x3 [N, C]; g [N, C] the upstream gradient of the first forward;
  y1 = bn(x1) (train); dx1 = d<y1, g>/dx1; running_mean1, running_var1 after x1;
  running_mean2, running_var2 after x2; y3 = bn(x3) (eval); for "affine" also weight, bias,
  dweight, dbias.
Metadata "cases": JSON {case: {"eps", "affine", "momentum"}}.

mixup: timm 0.9.7 timm/data/mixup.py Mixup._mix_batch and mixup_target (copied below) with the
randomness passed in as data: lam for mixup, and lam plus the box centre (cy, cx) for cutmix
(rand_bbox's np.random.randint draws). Tensors:
  x [B, C, H, W], target [B] (class indices as float)
  mixup.x, mixup.target        lam = 0.3 (metadata)
  cutmix.x, cutmix.target      lam_sampled = 0.62, cy = 1, cx = 8 (metadata; the box is clipped at the top), corrected lam in metadata
Metadata: "num_classes", "smoothing", "mixup_lam", "cutmix_lam_sampled", "cutmix_cy", "cutmix_cx",
"cutmix_box" [yl, yh, xl, xh], "cutmix_lam".

Needs /usr/bin/python3 with torch and numpy (Debian python3-torch). Deterministic (fixed seeds).
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import save_file  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BN_OUT = os.path.join(ROOT, "nn", "src", "test", "resources", "golden", "batch_norm1d.safetensors")
MIXUP_OUT = os.path.join(ROOT, "crossmae", "src", "test", "resources", "golden", "mixup.safetensors")


def batch_norm():
    torch.manual_seed(18)
    tensors = {}
    cases = {}
    for case, affine, eps, n, c in (("probe", False, 1e-6, 7, 5), ("affine", True, 1e-5, 6, 4)):
        bn = torch.nn.BatchNorm1d(c, eps=eps, affine=affine, momentum=0.1)
        if affine:
            with torch.no_grad():
                bn.weight.copy_(1 + 0.3 * torch.randn(c))
                bn.bias.copy_(0.2 * torch.randn(c))
        x1 = (torch.randn(n, c) * torch.linspace(0.5, 3, c) + torch.linspace(-2, 2, c)).requires_grad_(True)
        x2 = torch.randn(n, c) * 2 + 1
        x3 = torch.randn(3, c)
        g = torch.randn(n, c)
        bn.train()
        y1 = bn(x1)
        (y1 * g).sum().backward()
        rm1, rv1 = bn.running_mean.clone(), bn.running_var.clone()
        bn(x2)
        rm2, rv2 = bn.running_mean.clone(), bn.running_var.clone()
        bn.eval()
        with torch.no_grad():
            y3 = bn(x3)
        out = {"x1": x1.detach(), "x2": x2, "x3": x3, "g": g, "y1": y1.detach(), "dx1": x1.grad,
               "running_mean1": rm1, "running_var1": rv1, "running_mean2": rm2, "running_var2": rv2, "y3": y3}
        if affine:
            out.update({"weight": bn.weight.detach(), "bias": bn.bias.detach(),
                        "dweight": bn.weight.grad, "dbias": bn.bias.grad})
        for k, v in out.items():
            tensors[case + "." + k] = v
        cases[case] = {"eps": eps, "affine": affine, "momentum": 0.1}
    save_file(BN_OUT, tensors, {"cases": json.dumps(cases)})
    print("wrote", BN_OUT)


# ---- timm 0.9.7 timm/data/mixup.py, copied; rand_bbox takes its two draws as arguments ----
def one_hot(x, num_classes, on_value=1., off_value=0.):
    x = x.long().view(-1, 1)
    return torch.full((x.size()[0], num_classes), off_value, device=x.device).scatter_(1, x, on_value)


def mixup_target(target, num_classes, lam=1., smoothing=0.0):
    off_value = smoothing / num_classes
    on_value = 1. - smoothing + off_value
    y1 = one_hot(target, num_classes, on_value=on_value, off_value=off_value)
    y2 = one_hot(target.flip(0), num_classes, on_value=on_value, off_value=off_value)
    return y1 * lam + y2 * (1. - lam)


def rand_bbox(img_shape, lam, cy, cx, margin=0.):
    ratio = np.sqrt(1 - lam)
    img_h, img_w = img_shape[-2:]
    cut_h, cut_w = int(img_h * ratio), int(img_w * ratio)
    yl = np.clip(cy - cut_h // 2, 0, img_h)
    yh = np.clip(cy + cut_h // 2, 0, img_h)
    xl = np.clip(cx - cut_w // 2, 0, img_w)
    xh = np.clip(cx + cut_w // 2, 0, img_w)
    return yl, yh, xl, xh


def cutmix_bbox_and_lam(img_shape, lam, cy, cx):
    yl, yu, xl, xu = rand_bbox(img_shape, lam, cy, cx)
    bbox_area = (yu - yl) * (xu - xl)
    lam = 1. - bbox_area / float(img_shape[-2] * img_shape[-1])
    return (yl, yu, xl, xu), lam
# ---- end of the copy ----


def mixup():
    torch.manual_seed(1818)
    num_classes, smoothing = 5, 0.1
    x = torch.randn(4, 3, 8, 10)
    target = torch.tensor([0, 3, 3, 1])
    tensors = {"x": x, "target": target.float()}
    # _mix_batch, mixup branch
    lam = 0.3
    xm = x.clone()
    x_flipped = xm.flip(0).mul_(1. - lam)
    xm.mul_(lam).add_(x_flipped)
    tensors["mixup.x"] = xm
    tensors["mixup.target"] = mixup_target(target, num_classes, lam, smoothing)
    # _mix_batch, cutmix branch
    lam_sampled, cy, cx = 0.62, 1, 8
    (yl, yh, xl, xh), lam_c = cutmix_bbox_and_lam(x.shape, lam_sampled, cy, cx)
    xc = x.clone()
    xc[:, :, yl:yh, xl:xh] = xc.flip(0)[:, :, yl:yh, xl:xh]
    tensors["cutmix.x"] = xc
    tensors["cutmix.target"] = mixup_target(target, num_classes, lam_c, smoothing)
    meta = {"num_classes": str(num_classes), "smoothing": repr(smoothing), "mixup_lam": repr(lam),
            "cutmix_lam_sampled": repr(lam_sampled), "cutmix_cy": str(cy), "cutmix_cx": str(cx),
            "cutmix_box": json.dumps([int(yl), int(yh), int(xl), int(xh)]), "cutmix_lam": repr(float(lam_c))}
    save_file(MIXUP_OUT, tensors, meta)
    print("wrote", MIXUP_OUT, "cutmix box", (int(yl), int(yh), int(xl), int(xh)), "lam", lam_c)


if __name__ == "__main__":
    torch.set_num_threads(1)
    batch_norm()
    mixup()
