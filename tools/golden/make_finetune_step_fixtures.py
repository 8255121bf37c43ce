#!/usr/bin/python3
"""Writes the golden fixture of one fine-tuning step and of interpolate_pos_embed (issue 18).

Output: crossmae/src/test/resources/golden/finetune_step.safetensors, read by FinetuneStepGoldenTest.

The classifier is models_vit.VisionTransformer with global_pool (CrossMAE's models_vit.py on timm
0.9.7, docs/model.md §15.3), written here from the layers of layers.py: x = cat(cls_token,
patch_embed(x)) + pos_embed; blocks (drop path off); the mean of the patch tokens; fc_norm; head.
Config: input 16, patch 4, in_chans 3, embed_dim 16, depth 2, num_heads 2, mlp_ratio 4, 5 classes.
Weights: PyTorch's default init, then every tensor perturbed so none is at a special value
(LayerNorm weights 1 + 0.1·N, biases 0.05·N, cls_token/pos_embed 0.02·N, head 0.02·N).

One step of engine_finetune.train_one_epoch (accum_iter 1, at the end of warmup so lr(t) is the peak
lr) for each case, from the same initial weights:
    samples, targets = mixup(samples, targets)      # the draws given as data
    loss = SoftTargetCrossEntropy()(model(samples), targets)
    loss.backward(); [clip_grad_norm_(params, clip)]; optimizer.step()
with the optimizer of main_finetune.py: param_groups_lrd (the official rule, lr_decay.py) with weight_decay 0.05,
no_weight_decay_list {pos_embed, cls_token, dist_token} (timm 0.9.7), layer_decay 0.75, and
torch.optim.AdamW(groups, lr=1e-3) (betas (0.9, 0.999), eps 1e-8); each group's lr = 1e-3 · lr_scale
(util/lr_sched.adjust_learning_rate).

Cases:
  mixup        lam 0.7 (x·lam + x.flip(0)·(1 − lam)), smoothing 0.1, no clipping
  cutmix_clip  lam 0.62 sampled, box centre (cy, cx) = (9, 3) (rand_bbox's draws), the corrected lam,
               smoothing 0.1, clip_grad 0.05

Tensors:
  param.<key>                 initial weights (timm's state-dict keys)
  images [4, 3, 16, 16], labels [4] (class indices as float)
  <case>.logits [4, 5], <case>.loss [1], <case>.grad.<key> (before clipping),
  <case>.grad_norm [1] (clip_grad_norm_'s total norm; 0 without clipping), <case>.after.<key>
  pos.in [1, 17, 8] (a 4×4 grid plus the cls row), pos.grid6 [1, 37, 8], pos.grid3 [1, 10, 8]:
      interpolate_pos_embed (verbatim below) to 6×6 and 3×3.
Metadata: config (JSON), cases (JSON: lam, cutmix, box, lam_used, clip_grad), lr, weight_decay,
layer_decay, betas, eps, smoothing, torch_version, script.

Needs /usr/bin/python3 with torch (Debian python3-torch). Deterministic (fixed seed, one thread).
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from layers import Block  # noqa: E402
from safetensors_io import save_file  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "crossmae", "src", "test", "resources", "golden", "finetune_step.safetensors")
SCRIPT = "tools/golden/make_finetune_step_fixtures.py"

CONFIG = {"model": "vit", "input_size": 16, "patch_size": 4, "in_chans": 3, "embed_dim": 16, "depth": 2, "num_heads": 2,
          "mlp_ratio": 4.0, "norm_eps": 1e-6, "nb_classes": 5, "global_pool": True, "drop_path": 0.0}
LR = 1e-3
WEIGHT_DECAY = 0.05
LAYER_DECAY = 0.75
BETAS = (0.9, 0.999)
EPS = 1e-8
SMOOTHING = 0.1


from lr_decay import param_groups_lrd  # noqa: E402  (the official rule, tools/golden/lr_decay.py)




# ---- verbatim from facebookresearch/mae util/pos_embed.py ----
def interpolate_pos_embed(model, checkpoint_model):
    if 'pos_embed' in checkpoint_model:
        pos_embed_checkpoint = checkpoint_model['pos_embed']
        embedding_size = pos_embed_checkpoint.shape[-1]
        num_patches = model.patch_embed.num_patches
        num_extra_tokens = model.pos_embed.shape[-2] - num_patches
        # height (== width) for the checkpoint position embedding
        orig_size = int((pos_embed_checkpoint.shape[-2] - num_extra_tokens) ** 0.5)
        # height (== width) for the new position embedding
        new_size = int(num_patches ** 0.5)
        # class_token and dist_token are kept unchanged
        if orig_size != new_size:
            print("Position interpolate from %dx%d to %dx%d" % (orig_size, orig_size, new_size, new_size))
            extra_tokens = pos_embed_checkpoint[:, :num_extra_tokens]
            # only the position tokens are interpolated
            pos_tokens = pos_embed_checkpoint[:, num_extra_tokens:]
            pos_tokens = pos_tokens.reshape(-1, orig_size, orig_size, embedding_size).permute(0, 3, 1, 2)
            pos_tokens = torch.nn.functional.interpolate(
                pos_tokens, size=(new_size, new_size), mode='bicubic', align_corners=False)
            pos_tokens = pos_tokens.permute(0, 2, 3, 1).flatten(1, 2)
            new_pos_embed = torch.cat((extra_tokens, pos_tokens), dim=1)
            checkpoint_model['pos_embed'] = new_pos_embed
# ---- end of the verbatim copy ----


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
# ---- end of the copy ----


class PatchEmbed(nn.Module):
    def __init__(self, img_size, patch_size, in_chans, embed_dim):
        super().__init__()
        self.num_patches = (img_size // patch_size) ** 2
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)  # [N, L, D], raster order


class VisionTransformer(nn.Module):
    """models_vit.VisionTransformer as timm 0.9.7 runs it, drop path off.

    global_pool: the mean of the patch tokens and fc_norm (norm an identity); otherwise the cls
    token after norm. probe_head: main_linprobe.py's head, Sequential(BatchNorm1d(affine=False,
    eps=1e-6), Linear).
    """

    def __init__(self, c, probe_head=False):
        super().__init__()
        d = c["embed_dim"]
        self.global_pool = c.get("global_pool", True)
        self.patch_embed = PatchEmbed(c["input_size"], c["patch_size"], c["in_chans"], d)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed = nn.Parameter(torch.zeros(1, self.patch_embed.num_patches + 1, d))
        self.blocks = nn.ModuleList([Block(d, c["num_heads"], c.get("mlp_ratio", 4.0), True, c.get("norm_eps", 1e-6))
                                     for _ in range(c["depth"])])
        if self.global_pool:
            self.fc_norm = nn.LayerNorm(d, eps=c.get("norm_eps", 1e-6))
        else:
            self.norm = nn.LayerNorm(d, eps=c.get("norm_eps", 1e-6))
        linear = nn.Linear(d, c["nb_classes"])
        self.head = nn.Sequential(nn.BatchNorm1d(d, affine=False, eps=1e-6), linear) if probe_head else linear

    def no_weight_decay(self):
        return {'pos_embed', 'cls_token', 'dist_token'}  # timm 0.9.7

    def forward(self, x):
        x = self.patch_embed(x)
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        if self.global_pool:
            x = self.fc_norm(x[:, 1:, :].mean(dim=1))
        else:
            x = self.norm(x)[:, 0]
        return self.head(x)


def perturbed_model():
    torch.manual_seed(1818)
    m = VisionTransformer(CONFIG)
    with torch.no_grad():
        for n, p in m.named_parameters():
            if n in ("cls_token", "pos_embed") or n.startswith("head."):
                p.copy_(0.02 * torch.randn_like(p))
            elif "norm" in n and n.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn_like(p))
            elif n.endswith("bias"):
                p.add_(0.05 * torch.randn_like(p))
    return m


def one_step(init, images, labels, mixed, targets, clip):
    model = VisionTransformer(CONFIG)
    model.load_state_dict(init, strict=True)
    groups = param_groups_lrd(model, WEIGHT_DECAY, no_weight_decay_list=model.no_weight_decay(),
                              layer_decay=LAYER_DECAY)
    opt = torch.optim.AdamW(groups, lr=LR, betas=BETAS, eps=EPS)
    for g in opt.param_groups:
        g["lr"] = LR * g["lr_scale"]
    opt.zero_grad()
    logits = model(mixed)
    loss = torch.sum(-targets * torch.log_softmax(logits, dim=-1), dim=-1).mean()  # SoftTargetCrossEntropy
    loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
    norm = torch.zeros(1)
    if clip is not None:
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip).reshape(1)
    opt.step()
    after = {n: p.detach().clone() for n, p in model.named_parameters()}
    return logits.detach(), loss.detach().reshape(1), grads, norm, after


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    model = perturbed_model()
    init = {k: v.detach().clone() for k, v in model.state_dict().items()}
    torch.manual_seed(18)
    images = torch.randn(4, 3, 16, 16)
    labels = torch.tensor([0, 3, 3, 1])
    tensors = {"param." + k: v for k, v in init.items()}
    tensors["images"] = images
    tensors["labels"] = labels.float()
    cases = {}

    lam = 0.7
    mixed = images.clone()
    flipped = mixed.flip(0).mul_(1. - lam)
    mixed.mul_(lam).add_(flipped)
    targets = mixup_target(labels, CONFIG["nb_classes"], lam, SMOOTHING)
    cases["mixup"] = ({"lam": lam, "cutmix": False, "lam_used": lam, "clip_grad": None}, mixed, targets, None)

    lam_s, cy, cx = 0.62, 9, 3
    yl, yh, xl, xh = (int(v) for v in rand_bbox(images.shape, lam_s, cy, cx))
    lam_c = 1. - (yh - yl) * (xh - xl) / float(images.shape[-2] * images.shape[-1])
    cut = images.clone()
    cut[:, :, yl:yh, xl:xh] = cut.flip(0)[:, :, yl:yh, xl:xh]
    targets_c = mixup_target(labels, CONFIG["nb_classes"], lam_c, SMOOTHING)
    cases["cutmix_clip"] = ({"lam": lam_s, "cutmix": True, "cy": cy, "cx": cx, "box": [yl, yh, xl, xh], "lam_used": lam_c,
                             "clip_grad": 0.05}, cut, targets_c, 0.05)

    meta_cases = {}
    for name, (meta, x, t, clip) in cases.items():
        logits, loss, grads, norm, after = one_step(init, images, labels, x, t, clip)
        tensors[name + ".logits"] = logits
        tensors[name + ".loss"] = loss
        tensors[name + ".grad_norm"] = norm
        for k, v in grads.items():
            tensors[name + ".grad." + k] = v
        for k, v in after.items():
            tensors[name + ".after." + k] = v
        meta_cases[name] = meta
        print(name, "loss", float(loss), "grad norm", float(norm))

    torch.manual_seed(5)
    pos = torch.randn(1, 17, 8)
    tensors["pos.in"] = pos
    for grid in (6, 3):
        dummy = VisionTransformer(dict(CONFIG, input_size=4 * grid, embed_dim=8, num_heads=2))
        ckpt = {"pos_embed": pos.clone()}
        interpolate_pos_embed(dummy, ckpt)
        tensors["pos.grid%d" % grid] = ckpt["pos_embed"]

    metadata = {"config": json.dumps(CONFIG), "cases": json.dumps(meta_cases), "lr": repr(LR),
                "weight_decay": repr(WEIGHT_DECAY), "layer_decay": repr(LAYER_DECAY), "betas": json.dumps(list(BETAS)),
                "eps": repr(EPS), "smoothing": repr(SMOOTHING), "torch_version": torch.__version__, "script": SCRIPT}
    save_file(OUT, tensors, metadata)
    print("wrote", OUT, len(tensors), "tensors")


if __name__ == "__main__":
    main()
