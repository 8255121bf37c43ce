#!/usr/bin/python3
"""Transformer layers for the jmae golden reference, written from docs/model.md.

Module and attribute names follow PyTorch/timm (and the CrossMAE repo's transformer_utils.py), so
state-dict keys are the official ones. No dropout, no drop-path (pretraining uses none, docs/model.md §1).
Attention is written out explicitly: softmax(q·kᵀ·scale)·v (PyTorch 1.13 has no SDPA).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

LN_EPS = 1e-6


def _split_heads(t, num_heads):
    """(B, T, D) -> (B, h, T, D/h); head m owns channels [m·hd, (m+1)·hd)."""
    b, n, d = t.shape
    return t.reshape(b, n, num_heads, d // num_heads).permute(0, 2, 1, 3)


def _merge_heads(t):
    """(B, h, T, hd) -> (B, T, h·hd), heads concatenated in order."""
    b, h, n, hd = t.shape
    return t.permute(0, 2, 1, 3).reshape(b, n, h * hd)


def scaled_dot_product(q, k, v, scale):
    attn = torch.matmul(q, k.transpose(-2, -1)) * scale
    attn = attn.softmax(dim=-1)
    return torch.matmul(attn, v)


class Attention(nn.Module):
    """Multi-head self-attention with one fused `qkv` Linear(dim, 3·dim) split [q | k | v] (docs/model.md §7)."""

    def __init__(self, dim, num_heads=8, qkv_bias=True):
        super().__init__()
        assert dim % num_heads == 0, "dim must be divisible by num_heads"
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.scale = self.head_dim ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        qkv = self.qkv(x)
        q, k, v = qkv.chunk(3, dim=-1)  # [q | k | v], each of width dim
        q, k, v = (_split_heads(t, self.num_heads) for t in (q, k, v))
        out = scaled_dot_product(q, k, v, self.scale)
        return self.proj(_merge_heads(out))


class CrossAttention(nn.Module):
    """Queries from x (width dim), keys/values from context (width context_dim) (docs/model.md §9.2).

    `q`: Linear(dim, dim); `kv`: Linear(context_dim, 2·dim) split [k | v]; `proj`: Linear(dim, dim).
    """

    def __init__(self, dim, context_dim, num_heads=8, qkv_bias=True):
        super().__init__()
        assert dim % num_heads == 0, "dim must be divisible by num_heads"
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.scale = self.head_dim ** -0.5
        self.q = nn.Linear(dim, dim, bias=qkv_bias)
        self.kv = nn.Linear(context_dim, dim * 2, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, context):
        q = _split_heads(self.q(x), self.num_heads)
        k, v = self.kv(context).chunk(2, dim=-1)  # [k | v]
        k = _split_heads(k, self.num_heads)
        v = _split_heads(v, self.num_heads)
        out = scaled_dot_product(q, k, v, self.scale)
        return self.proj(_merge_heads(out))


class Mlp(nn.Module):
    """fc1 -> exact (erf) GELU -> fc2, both Linear layers with bias."""

    def __init__(self, in_features, hidden_features=None, out_features=None):
        super().__init__()
        hidden_features = hidden_features or in_features
        out_features = out_features or in_features
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = nn.GELU()  # approximate='none' -> 0.5·x·(1+erf(x/√2))
        self.fc2 = nn.Linear(hidden_features, out_features)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    """Pre-norm ViT block: x += Attn(LN1 x); x += MLP(LN2 x) (docs/model.md §7)."""

    def __init__(self, dim, num_heads, mlp_ratio=4.0, qkv_bias=True, eps=LN_EPS):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, num_heads=num_heads, qkv_bias=qkv_bias)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        x = x + self.mlp(self.norm2(x))
        return x


class CrossAttentionBlock(nn.Module):
    """CrossMAE decoder block (docs/model.md §9.2).

    [self_attn only] x += SelfAttn(LN0 x); then x += CrossAttn(LN1 x, context); x += MLP(LN2 x).
    The context is used as given (the dec_norms LN is applied by the caller).
    """

    def __init__(self, dim, context_dim, num_heads, mlp_ratio=4.0, qkv_bias=True,
                 self_attn=False, eps=LN_EPS):
        super().__init__()
        self.use_self_attn = bool(self_attn)
        if self.use_self_attn:
            self.norm0 = nn.LayerNorm(dim, eps=eps)
            self.self_attn = Attention(dim, num_heads=num_heads, qkv_bias=qkv_bias)
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.cross_attn = CrossAttention(dim, context_dim, num_heads=num_heads, qkv_bias=qkv_bias)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x, context):
        if self.use_self_attn:
            x = x + self.self_attn(self.norm0(x))
        x = x + self.cross_attn(self.norm1(x), context)
        x = x + self.mlp(self.norm2(x))
        return x


class WeightedFeatureMaps(nn.Module):
    """Inter-block attention (docs/model.md §8): `linear` weight (decoder_depth, k), no bias.

    forward(list of k maps (N, T, E)) -> (N, T, E, decoder_depth); slice [..., j] feeds block j.
    """

    def __init__(self, k, decoder_depth):
        super().__init__()
        self.linear = nn.Linear(k, decoder_depth, bias=False)
        # The official constructor draws N(0, 1/k) here; the model-level xavier pass then
        # overwrites it (docs/model.md §8, §16.7). Kept for fidelity.
        nn.init.normal_(self.linear.weight, mean=0.0, std=1.0 / (k ** 0.5))

    def forward(self, feature_maps):
        stacked = torch.stack(list(feature_maps), dim=-1)  # (N, T, E, k)
        return self.linear(stacked)


def linear(in_features, out_features, bias=True):
    return nn.Linear(in_features, out_features, bias=bias)


def layer_norm(normalized_shape, eps=LN_EPS):
    return nn.LayerNorm(normalized_shape, eps=eps)


# kind -> (factory taking the snake_case args JSON, metadata class name)
LAYER_KINDS = {
    "linear": (lambda a: linear(**a), "Linear"),
    "layer_norm": (lambda a: layer_norm(**a), "LayerNorm"),
    "mlp": (lambda a: Mlp(**a), "Mlp"),
    "attention": (lambda a: Attention(**a), "Attention"),
    "cross_attention": (lambda a: CrossAttention(**a), "CrossAttention"),
    "block": (lambda a: Block(**a), "Block"),
    "cross_attention_block": (lambda a: CrossAttentionBlock(**a), "CrossAttentionBlock"),
    "weighted_feature_maps": (lambda a: WeightedFeatureMaps(**a), "WeightedFeatureMaps"),
}
