#!/usr/bin/python3
"""CrossMAE and the MAE baseline in PyTorch, written from docs/model.md §3-§12.

Randomness is passed in as data: forward(imgs, noise) with noise (N, L) uniform [0, 1).
State-dict keys are the official ones (models_cross.py / models_mae.py).
"""
import json

import numpy as np
import torch
import torch.nn as nn

from layers import LN_EPS, Block, CrossAttentionBlock, WeightedFeatureMaps

# ----------------------------------------------------------------------------------------------
# docs/model.md §5 positional table
# ----------------------------------------------------------------------------------------------


def sincos_1d(d_half, pos):
    """1-D code (len(pos), d_half): [sin(t·ω_0..q-1), cos(t·ω_0..q-1)], q = d_half/2, float64."""
    assert d_half % 2 == 0
    q = d_half // 2
    omega = np.arange(q, dtype=np.float64) / q
    omega = 1.0 / 10000 ** omega
    out = np.einsum("m,d->md", pos.reshape(-1).astype(np.float64), omega)
    return np.concatenate([np.sin(out), np.cos(out)], axis=1)


def sincos_2d_table(dim, grid, cls_row=True):
    """(L+1, D) float64 table; row 0 = zeros (cls), row l+1 = patch l = (r, c):
    [1-D code of the column c (D/2), 1-D code of the row r (D/2)] (docs/model.md §5)."""
    assert dim % 4 == 0, "sin-cos embedding needs D divisible by 4"
    r, c = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")  # r[l], c[l] raster order
    emb = np.concatenate([sincos_1d(dim // 2, c.reshape(-1)), sincos_1d(dim // 2, r.reshape(-1))], axis=1)
    if cls_row:
        emb = np.concatenate([np.zeros((1, dim)), emb], axis=0)
    return emb


# ----------------------------------------------------------------------------------------------
# docs/model.md §3 patchify, §6 masking, §10 loss
# ----------------------------------------------------------------------------------------------


def patchify(imgs, p):
    """(N, C, H, W) -> (N, L, p·p·C), element index (i·p + j)·C + ch (docs/model.md §3)."""
    n, c, h, w = imgs.shape
    assert h == w and h % p == 0
    g = h // p
    x = imgs.reshape(n, c, g, p, g, p)
    x = torch.einsum("nchpwq->nhwpqc", x)
    return x.reshape(n, g * g, p * p * c)


def unpatchify(x, p, c):
    n, l, _ = x.shape
    g = int(round(l ** 0.5))
    assert g * g == l
    x = x.reshape(n, g, g, p, p, c)
    x = torch.einsum("nhwpqc->nchpwq", x)
    return x.reshape(n, c, g * p, g * p)


def mask_counts(L, mask_ratio, kept_mask_ratio=None):
    """(len_keep, len_skip, n_pred) with Python double arithmetic and int() truncation (docs/model.md §6)."""
    len_keep = int(L * (1 - mask_ratio))
    if kept_mask_ratio is None:
        return len_keep, 0, L - len_keep
    len_skip = int(L * (mask_ratio - kept_mask_ratio))
    return len_keep, len_skip, L - len_keep - len_skip


def masking_from_noise(noise, mask_ratio, kept_mask_ratio=None):
    """docs/model.md §6. Returns a dict of index tensors (int64) and masks (float32):
    ids_shuffle, ids_restore, ids_keep (shuffled order), mask_full (1 = removed),
    and for CrossMAE (kept_mask_ratio given) ids_pred (ascending patch index) and mask_pred."""
    n, L = noise.shape
    len_keep, len_skip, n_pred = mask_counts(L, mask_ratio, kept_mask_ratio)
    ids_shuffle = torch.argsort(noise, dim=1)
    ids_restore = torch.argsort(ids_shuffle, dim=1)
    ids_keep = ids_shuffle[:, :len_keep]
    mask_full = torch.ones(n, L)
    mask_full[:, :len_keep] = 0
    mask_full = torch.gather(mask_full, 1, ids_restore)
    out = dict(ids_shuffle=ids_shuffle, ids_restore=ids_restore, ids_keep=ids_keep,
               mask_full=mask_full, len_keep=len_keep)
    if kept_mask_ratio is not None:
        mask_pred = torch.ones(n, L)
        mask_pred[:, :len_keep + len_skip] = 0
        mask_pred = torch.gather(mask_pred, 1, ids_restore)
        ids_pred = torch.sort(ids_shuffle[:, len_keep + len_skip:], dim=1).values  # ascending index
        out.update(mask_pred=mask_pred, ids_pred=ids_pred, len_skip=len_skip, n_pred=n_pred)
    return out


def normalize_targets(target, eps=1e-6):
    """Per-patch (x − μ)/√(σ²_unbiased + eps) (docs/model.md §10)."""
    mean = target.mean(dim=-1, keepdim=True)
    var = target.var(dim=-1, keepdim=True)  # unbiased (P−1)
    return (target - mean) / (var + eps) ** 0.5


def crossmae_loss_reduction(pred, target):
    """CrossMAE: plain mean over N·n_pred·P squared errors."""
    return ((pred - target) ** 2).mean()


def mae_loss_reduction(pred, target, mask):
    """MAE: per-patch MSE, averaged over masked patches only."""
    loss = ((pred - target) ** 2).mean(dim=-1)
    return (loss * mask).sum() / mask.sum()


def _gather_tokens(x, ids):
    return torch.gather(x, 1, ids.unsqueeze(-1).expand(-1, -1, x.shape[-1]))


# ----------------------------------------------------------------------------------------------
# shared encoder pieces
# ----------------------------------------------------------------------------------------------


class PatchEmbed(nn.Module):
    """Conv2d(C, E, p, stride p) with bias, flattened to (N, L, E) in raster order (docs/model.md §4)."""

    def __init__(self, img_size, patch_size, in_chans, embed_dim):
        super().__init__()
        self.grid = img_size // patch_size
        self.num_patches = self.grid * self.grid
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


CONFIG_KEYS = ["model", "img_size", "patch_size", "in_chans", "embed_dim", "depth", "num_heads",
               "decoder_embed_dim", "decoder_depth", "decoder_num_heads", "mlp_ratio", "mask_ratio",
               "kept_mask_ratio", "weight_fm", "use_fm", "use_input", "self_attn", "norm_pix_loss",
               "norm_eps"]


class _MaskedAutoencoderBase(nn.Module):
    def _build_encoder(self, img_size, patch_size, in_chans, embed_dim, depth, num_heads, mlp_ratio, eps):
        self.patch_embed = PatchEmbed(img_size, patch_size, in_chans, embed_dim)
        L = self.patch_embed.num_patches
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, L + 1, embed_dim), requires_grad=False)
        self.blocks = nn.ModuleList([Block(embed_dim, num_heads, mlp_ratio, qkv_bias=True, eps=eps)
                                     for _ in range(depth)])

    def _init_common(self):
        """docs/model.md §12 steps 1-5 (the IBA weight is covered by the generic Linear pass)."""
        g = self.patch_embed.grid
        self.pos_embed.data.copy_(torch.from_numpy(
            sincos_2d_table(self.pos_embed.shape[-1], g)).float().unsqueeze(0))
        self.decoder_pos_embed.data.copy_(torch.from_numpy(
            sincos_2d_table(self.decoder_pos_embed.shape[-1], g)).float().unsqueeze(0))
        w = self.patch_embed.proj.weight.data
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))  # bias keeps the Conv2d default
        nn.init.normal_(self.cls_token, std=0.02)
        nn.init.normal_(self.mask_token, std=0.02)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.constant_(m.bias, 0)
        elif isinstance(m, nn.LayerNorm):
            nn.init.constant_(m.bias, 0)
            nn.init.constant_(m.weight, 1.0)

    def patchify(self, imgs):
        return patchify(imgs, self.patch_size)

    def unpatchify(self, x):
        return unpatchify(x, self.patch_size, self.in_chans)

    def _embed_and_keep(self, imgs, ids_keep):
        """docs/model.md §7 steps 1-3: embed + pos rows 1..L, keep visible (shuffled order), prepend cls."""
        x = self.patch_embed(imgs)
        x = x + self.pos_embed[:, 1:, :]
        x = _gather_tokens(x, ids_keep)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        return torch.cat([cls, x], dim=1)

    def _target(self, imgs):
        target = self.patchify(imgs)
        if self.norm_pix_loss:
            target = normalize_targets(target, 1e-6)
        return target

    def config(self):
        return dict(self._config)

    def config_json(self):
        return json.dumps(self._config)


class CrossMAE(_MaskedAutoencoderBase):
    """CrossMAE (models_cross.py with --cross_mae --weight_fm). No final encoder `norm` (docs/model.md §7)."""

    def __init__(self, img_size=224, patch_size=16, in_chans=3, embed_dim=768, depth=12, num_heads=12,
                 decoder_embed_dim=512, decoder_depth=12, decoder_num_heads=16, mlp_ratio=4.0,
                 mask_ratio=0.75, kept_mask_ratio=0.75, weight_fm=True, use_fm=(-1,), use_input=True,
                 self_attn=False, norm_pix_loss=True, norm_eps=LN_EPS, model="crossmae"):
        super().__init__()
        assert model == "crossmae"
        if not weight_fm:
            raise ValueError("weight_fm=false is the broken non-IBA path of the released code (docs/model.md §16.5)")
        if not (0 < kept_mask_ratio <= mask_ratio):
            raise ValueError("need 0 < kept_mask_ratio <= mask_ratio")
        use_fm = list(use_fm)
        self._config = dict(model="crossmae", img_size=img_size, patch_size=patch_size, in_chans=in_chans,
                            embed_dim=embed_dim, depth=depth, num_heads=num_heads,
                            decoder_embed_dim=decoder_embed_dim, decoder_depth=decoder_depth,
                            decoder_num_heads=decoder_num_heads, mlp_ratio=float(mlp_ratio),
                            mask_ratio=mask_ratio, kept_mask_ratio=kept_mask_ratio, weight_fm=bool(weight_fm),
                            use_fm=use_fm, use_input=bool(use_input), self_attn=bool(self_attn),
                            norm_pix_loss=bool(norm_pix_loss), norm_eps=norm_eps)
        self.patch_size, self.in_chans = patch_size, in_chans
        self.mask_ratio, self.kept_mask_ratio = mask_ratio, kept_mask_ratio
        self.norm_pix_loss = norm_pix_loss
        self.use_input = bool(use_input)
        self._build_encoder(img_size, patch_size, in_chans, embed_dim, depth, num_heads, mlp_ratio, norm_eps)
        L = self.patch_embed.num_patches
        self.mask_token = nn.Parameter(torch.zeros(1, 1, decoder_embed_dim))
        self.decoder_pos_embed = nn.Parameter(torch.zeros(1, L + 1, decoder_embed_dim), requires_grad=False)
        self.decoder_blocks = nn.ModuleList([
            CrossAttentionBlock(decoder_embed_dim, embed_dim, decoder_num_heads, mlp_ratio, qkv_bias=True,
                                self_attn=self_attn, eps=norm_eps) for _ in range(decoder_depth)])
        self.decoder_norm = nn.LayerNorm(decoder_embed_dim, eps=norm_eps)
        self.decoder_pred = nn.Linear(decoder_embed_dim, patch_size ** 2 * in_chans, bias=True)
        # docs/model.md §8: [-1] exactly means all blocks; otherwise negative indices count from the end.
        if use_fm == [-1]:
            sel = list(range(depth))
        else:
            sel = [i if i >= 0 else depth + i for i in use_fm]
        for i in sel:
            if not 0 <= i < depth:
                raise ValueError("use_fm index out of range: %r" % (use_fm,))
        self.use_fm = sorted(set(sel))  # maps are collected in increasing block order
        k = len(self.use_fm) + (1 if self.use_input else 0)
        if k == 0:
            raise ValueError("IBA needs at least one feature map")
        self.dec_norms = nn.ModuleList([nn.LayerNorm(embed_dim, eps=norm_eps) for _ in range(decoder_depth)])
        self.wfm = WeightedFeatureMaps(k, decoder_depth)
        self._init_common()

    def forward_encoder(self, imgs, ids_keep):
        x = self._embed_and_keep(imgs, ids_keep)
        feats = []
        if self.use_input:
            feats.append(x)
        for idx, blk in enumerate(self.blocks):
            x = blk(x)
            if idx in self.use_fm:
                feats.append(x)
        return feats

    def forward_decoder(self, feats, ids_pred):
        n = ids_pred.shape[0]
        pos = self.decoder_pos_embed[:, 1:, :].expand(n, -1, -1)
        x = _gather_tokens(pos, ids_pred) + self.mask_token  # docs/model.md §9.1 queries, ascending patch index
        y = self.wfm(feats)  # (N, T, E, decoder_depth)
        for j, blk in enumerate(self.decoder_blocks):
            x = blk(x, self.dec_norms[j](y[..., j]))
        x = self.decoder_norm(x)
        return self.decoder_pred(x)

    def forward_loss(self, imgs, pred, ids_pred):
        target = _gather_tokens(self._target(imgs), ids_pred)
        return crossmae_loss_reduction(pred, target)

    def forward(self, imgs, noise, return_aux=False):
        m = masking_from_noise(noise, self.mask_ratio, self.kept_mask_ratio)
        feats = self.forward_encoder(imgs, m["ids_keep"])
        pred = self.forward_decoder(feats, m["ids_pred"])
        loss = self.forward_loss(imgs, pred, m["ids_pred"])
        if return_aux:
            return loss, pred, m["mask_pred"], m
        return loss, pred, m["mask_pred"]


class MAE(_MaskedAutoencoderBase):
    """The MAE baseline (models_mae.py), docs/model.md §11."""

    def __init__(self, img_size=224, patch_size=16, in_chans=3, embed_dim=768, depth=12, num_heads=12,
                 decoder_embed_dim=512, decoder_depth=8, decoder_num_heads=16, mlp_ratio=4.0,
                 mask_ratio=0.75, kept_mask_ratio=None, weight_fm=False, use_fm=(), use_input=False,
                 self_attn=False, norm_pix_loss=True, norm_eps=LN_EPS, model="mae"):
        super().__init__()
        assert model == "mae"
        if kept_mask_ratio is None:
            kept_mask_ratio = mask_ratio
        if kept_mask_ratio != mask_ratio or weight_fm or list(use_fm) or use_input or self_attn:
            raise ValueError("MAE config must carry CrossMAE-only keys at their neutral values")
        self._config = dict(model="mae", img_size=img_size, patch_size=patch_size, in_chans=in_chans,
                            embed_dim=embed_dim, depth=depth, num_heads=num_heads,
                            decoder_embed_dim=decoder_embed_dim, decoder_depth=decoder_depth,
                            decoder_num_heads=decoder_num_heads, mlp_ratio=float(mlp_ratio),
                            mask_ratio=mask_ratio, kept_mask_ratio=kept_mask_ratio, weight_fm=False,
                            use_fm=[], use_input=False, self_attn=False,
                            norm_pix_loss=bool(norm_pix_loss), norm_eps=norm_eps)
        self.patch_size, self.in_chans = patch_size, in_chans
        self.mask_ratio = mask_ratio
        self.norm_pix_loss = norm_pix_loss
        self._build_encoder(img_size, patch_size, in_chans, embed_dim, depth, num_heads, mlp_ratio, norm_eps)
        self.norm = nn.LayerNorm(embed_dim, eps=norm_eps)
        L = self.patch_embed.num_patches
        self.decoder_embed = nn.Linear(embed_dim, decoder_embed_dim, bias=True)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, decoder_embed_dim))
        self.decoder_pos_embed = nn.Parameter(torch.zeros(1, L + 1, decoder_embed_dim), requires_grad=False)
        self.decoder_blocks = nn.ModuleList([Block(decoder_embed_dim, decoder_num_heads, mlp_ratio,
                                                   qkv_bias=True, eps=norm_eps) for _ in range(decoder_depth)])
        self.decoder_norm = nn.LayerNorm(decoder_embed_dim, eps=norm_eps)
        self.decoder_pred = nn.Linear(decoder_embed_dim, patch_size ** 2 * in_chans, bias=True)
        self._init_common()

    def forward_encoder(self, imgs, ids_keep):
        x = self._embed_and_keep(imgs, ids_keep)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)

    def forward_decoder(self, x, ids_restore):
        x = self.decoder_embed(x)
        n, t, d = x.shape
        L = ids_restore.shape[1]
        mask_tokens = self.mask_token.expand(n, L + 1 - t, -1)
        x_ = torch.cat([x[:, 1:, :], mask_tokens], dim=1)  # shuffled order
        x_ = _gather_tokens(x_, ids_restore)  # raster order: row l = shuffled element ids_restore[l]
        x = torch.cat([x[:, :1, :], x_], dim=1)
        x = x + self.decoder_pos_embed
        for blk in self.decoder_blocks:
            x = blk(x)
        x = self.decoder_norm(x)
        x = self.decoder_pred(x)
        return x[:, 1:, :]

    def forward_loss(self, imgs, pred, mask):
        return mae_loss_reduction(pred, self._target(imgs), mask)

    def forward(self, imgs, noise, return_aux=False):
        m = masking_from_noise(noise, self.mask_ratio)
        latent = self.forward_encoder(imgs, m["ids_keep"])
        pred = self.forward_decoder(latent, m["ids_restore"])
        loss = self.forward_loss(imgs, pred, m["mask_full"])
        if return_aux:
            return loss, pred, m["mask_full"], m
        return loss, pred, m["mask_full"]


def build_model(config):
    """Build CrossMAE or MAE from a flat config dict (official snake_case keys)."""
    cfg = dict(config)
    unknown = set(cfg) - set(CONFIG_KEYS)
    if unknown:
        raise ValueError("unknown config keys: %s" % sorted(unknown))
    kind = cfg.get("model", "crossmae")
    if kind == "crossmae":
        return CrossMAE(**cfg)
    if kind == "mae":
        return MAE(**cfg)
    raise ValueError("model must be 'crossmae' or 'mae', got %r" % kind)
