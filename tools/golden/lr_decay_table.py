#!/usr/bin/python3
"""Writes the layer-wise lr decay table of a ViT-B classifier, as the official code assigns it.

Output: nn/src/test/resources/golden/lr_decay_vit_b.json, read by LayerDecayTest.

The model is a small PyTorch module tree with the parameter names, registration order and
dimensionality of timm 0.9.7's VisionTransformer as CrossMAE's models_vit.py builds it for
fine-tuning with global pooling (ViT-B: depth 12; fc_norm replaces norm): cls_token, pos_embed,
patch_embed.proj.{weight,bias}, blocks.0..11.{norm1, attn.qkv, attn.proj, norm2, mlp.fc1,
mlp.fc2}.{weight,bias}, fc_norm.{weight,bias}, head.{weight,bias}. Widths are tiny (only names and
ndim matter to the rule). param_groups_lrd and get_layer_id_for_vit are the official ones (lr_decay.py, from
facebookresearch/mae util/lr_decay.py); no_weight_decay_list is timm
0.9.7's VisionTransformer.no_weight_decay().

Needs /usr/bin/python3 with torch (Debian python3-torch). Deterministic.
"""
import json
import os

import torch
import torch.nn as nn

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "nn", "src", "test", "resources", "golden", "lr_decay_vit_b.json")


from lr_decay import get_layer_id_for_vit, param_groups_lrd_named  # noqa: E402  (the official rule, tools/golden/lr_decay.py)




class PatchEmbed(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, kernel_size=2, stride=2)


class Attention(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)


class Mlp(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc1 = nn.Linear(dim, 4 * dim)
        self.fc2 = nn.Linear(4 * dim, dim)


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim)


class VisionTransformer(nn.Module):
    """timm 0.9.7's registration order with global_pool='avg' (norm is an Identity, fc_norm a LayerNorm)."""

    def __init__(self, depth, dim=4, num_patches=4, num_classes=10):
        super().__init__()
        self.patch_embed = PatchEmbed(dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_patches + 1, dim))
        self.blocks = nn.Sequential(*[Block(dim) for _ in range(depth)])
        self.norm = nn.Identity()
        self.fc_norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, num_classes)

    def no_weight_decay(self):
        return {'pos_embed', 'cls_token', 'dist_token'}


def table(depth, layer_decay, weight_decay):
    model = VisionTransformer(depth)
    groups, _ = param_groups_lrd_named(model, weight_decay, no_weight_decay_list=model.no_weight_decay(),
                              layer_decay=layer_decay)
    by_name = {}
    for g, v in groups.items():
        for n in v["params"]:
            by_name[n] = (g, v)
    params = []
    for n, p in model.named_parameters():
        g, v = by_name[n]
        params.append({"name": n, "ndim": p.ndim, "group": g,
                       "layer_id": get_layer_id_for_vit(n, depth + 1),
                       "lr_scale": v["lr_scale"], "weight_decay": v["weight_decay"]})
    return {"depth": depth, "layer_decay": layer_decay, "weight_decay": weight_decay,
            "params": params,
            "groups": [{"name": g, "lr_scale": v["lr_scale"], "weight_decay": v["weight_decay"],
                        "params": v["params"]} for g, v in groups.items()]}


def main():
    out = {"tables": [table(12, 0.75, 0.05), table(12, 0.65, 0.05)]}
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    t = out["tables"][0]
    print("wrote", OUT, ":", len(t["params"]), "parameters,", len(t["groups"]), "groups per table")


if __name__ == "__main__":
    main()
