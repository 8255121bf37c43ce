#!/usr/bin/python3
"""Self-tests of the PyTorch reference against the numbers in docs/model.md.

    /usr/bin/python3 tools/golden/test_models.py [--skip-large]

Exits non-zero on the first failed assertion. --skip-large skips the ViT-L/H parameter counts
(ViT-S/B are always built at full size).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

sys.dont_write_bytecode = True  # keep tools/golden free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import models  # noqa: E402
from models import (MAE, CrossMAE, crossmae_loss_reduction, mae_loss_reduction, mask_counts,  # noqa: E402
                    masking_from_noise, normalize_targets, patchify, sincos_2d_table, unpatchify)
from safetensors_io import load_file, save_file  # noqa: E402

RESULTS = []


def test(fn):
    def run():
        t0 = time.time()
        fn()
        RESULTS.append((fn.__name__, time.time() - t0))
        print("PASS %-40s (%.1fs)" % (fn.__name__, time.time() - t0), flush=True)
    run.__name__ = fn.__name__
    return run


def close(a, b, tol):
    return np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))) <= tol


@test
def sincos_table_d8_g2():
    t = sincos_2d_table(8, 2)
    a = [0.841471, 0.010000, 0.540302, 0.999950]
    z = [0, 0, 1, 1]
    want = np.array([[0] * 8, z + z, a + z, z + a, a + a], dtype=np.float64)
    assert t.shape == (5, 8)
    assert close(t, want, 5e-7), t
    # stored float32 table of a model has the same rows
    m = CrossMAE(img_size=8, patch_size=4, in_chans=3, embed_dim=8, depth=1, num_heads=2,
                 decoder_embed_dim=8, decoder_depth=1, decoder_num_heads=2)
    assert m.pos_embed.shape == (1, 5, 8) and not m.pos_embed.requires_grad
    assert close(m.pos_embed[0].numpy(), want, 5e-7)


@test
def sincos_table_e768_g14():
    t = sincos_2d_table(768, 14)
    assert t.shape == (197, 768)
    assert close(t[2, :4], [0.841471, 0.815251, 0.788593, 0.761720], 5e-7), t[2, :4]
    assert np.all(t[0] == 0)
    # patch (0,1) has row code 0: last half = [0..0, 1..1]
    assert np.all(t[2, 384:384 + 192] == 0) and np.all(t[2, 384 + 192:] == 1)
    # patch (1,0) (row 15) has column code 0 in the first half
    assert np.all(t[15, :192] == 0) and np.all(t[15, 192:384] == 1)
    assert close(t[15, 384:388], [0.841471, 0.815251, 0.788593, 0.761720], 5e-7)


@test
def masking_counts_table():
    table = [(196, 0.75, 0.75, 49, 0, 147), (196, 0.75, 0.25, 49, 98, 49), (196, 0.75, 0.15, 49, 117, 30),
             (196, 0.65, 0.25, 68, 78, 50), (196, 0.85, 0.25, 29, 117, 50), (256, 0.75, 0.75, 64, 0, 192),
             (256, 0.75, 0.25, 64, 128, 64), (784, 0.75, 0.25, 196, 392, 196)]
    g = torch.Generator().manual_seed(7)
    for L, p, gamma, keep, skip, npred in table:
        assert mask_counts(L, p, gamma) == (keep, skip, npred), (L, p, gamma, mask_counts(L, p, gamma))
        noise = torch.rand(4, L, generator=g)
        m = masking_from_noise(noise, p, gamma)
        assert m["ids_keep"].shape == (4, keep) and m["ids_pred"].shape == (4, npred)
        assert torch.all(m["mask_pred"].sum(1) == npred) and torch.all(m["mask_full"].sum(1) == L - keep)
        for n in range(4):
            order = torch.argsort(noise[n]).tolist()
            vis, pred = set(m["ids_keep"][n].tolist()), m["ids_pred"][n].tolist()
            assert m["ids_keep"][n].tolist() == order[:keep]          # shuffled (ascending-noise) order
            assert pred == sorted(pred) and set(pred) == set(order[keep + skip:])  # largest noise, ascending index
            skipped = set(order[keep:keep + skip])
            assert len(vis | skipped | set(pred)) == L and not (vis & set(pred)) and not (skipped & set(pred))
            assert all(m["mask_full"][n, l] == (0 if l in vis else 1) for l in range(L))
            assert all(m["mask_pred"][n, l] == (1 if l in pred else 0) for l in range(L))
            restore = m["ids_restore"][n].tolist()
            assert all(restore[order[k]] == k for k in range(L))


@test
def patchify_order_and_patch_embed():
    p, c, g = 4, 3, 2
    imgs = torch.randn(2, c, g * p, g * p)
    x = patchify(imgs, p)
    assert x.shape == (2, g * g, p * p * c)
    for (n, r, cc, i, j, ch) in [(0, 0, 1, 2, 3, 1), (1, 1, 0, 3, 0, 2), (1, 1, 1, 1, 2, 0)]:
        assert x[n, r * g + cc, (i * p + j) * c + ch] == imgs[n, ch, r * p + i, cc * p + j]
    assert torch.equal(unpatchify(x, p, c), imgs)
    # conv patch embedding == Linear over the patch read in (ch, i, j) order
    m = CrossMAE(img_size=8, patch_size=4, in_chans=3, embed_dim=8, depth=1, num_heads=2,
                 decoder_embed_dim=8, decoder_depth=1, decoder_num_heads=2)
    emb = m.patch_embed(imgs)
    w = m.patch_embed.proj.weight.reshape(8, -1)
    patches_cij = imgs.reshape(2, c, g, p, g, p).permute(0, 2, 4, 1, 3, 5).reshape(2, g * g, c * p * p)
    assert torch.allclose(emb, patches_cij @ w.T + m.patch_embed.proj.bias, atol=1e-6)
    # grayscale
    gimgs = torch.randn(1, 1, 8, 8)
    assert patchify(gimgs, 4).shape == (1, 4, 16) and torch.equal(unpatchify(patchify(gimgs, 4), 4, 1), gimgs)


@test
def zero_prediction_loss():
    torch.manual_seed(11)
    for P_side, c in ((16, 3), (4, 3), (4, 1)):
        imgs = torch.randn(2, c, 2 * P_side, 2 * P_side) * 0.7 + 0.1
        imgs[0, :, :P_side, :P_side] *= 1e-3  # a nearly flat patch: σ² comparable to eps
        target = patchify(imgs, P_side)
        P = target.shape[-1]
        var = target.double().var(dim=-1)
        per_patch = (P - 1) / P * var / (var + 1e-6)
        norm_t = normalize_targets(target)
        loss_c = crossmae_loss_reduction(torch.zeros_like(norm_t), norm_t)
        assert abs(float(loss_c) - float(per_patch.mean())) < 1e-6, (float(loss_c), float(per_patch.mean()))
        mask = torch.tensor([[1., 0, 1, 1], [0, 1, 1, 0]])
        loss_m = mae_loss_reduction(torch.zeros_like(norm_t), norm_t, mask)
        want_m = float((per_patch * mask.double()).sum() / mask.sum())
        assert abs(float(loss_m) - want_m) < 1e-6
        if P == 768:
            # docs/model.md §20: ≈ 0.9987 for P = 768 (σ² ≫ eps)
            assert abs(float(per_patch[1].mean()) - 767 / 768) < 1e-5
    # end to end with the models: zero decoder_pred -> loss equals the formula
    for cls in (CrossMAE, MAE):
        torch.manual_seed(12)
        kw = dict(img_size=16, patch_size=4, in_chans=3, embed_dim=32, depth=2, num_heads=2,
                  decoder_embed_dim=16, decoder_depth=2, decoder_num_heads=2, mask_ratio=0.75)
        if cls is CrossMAE:
            kw["kept_mask_ratio"] = 0.25
        m = cls(**kw)
        with torch.no_grad():
            m.decoder_pred.weight.zero_()
            m.decoder_pred.bias.zero_()
        imgs = torch.randn(3, 3, 16, 16)
        noise = torch.rand(3, 16)
        loss, pred, mask = m(imgs, noise)
        t = patchify(imgs, 4).double()
        var = t.var(dim=-1)
        pp = 47 / 48 * var / (var + 1e-6)
        want = float((pp * mask.double()).sum() / mask.sum())
        assert abs(float(loss) - want) < 1e-6, (cls.__name__, float(loss), want)


def count(model, trainable=True):
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable)


def enc_count(model):
    return sum(p.numel() for n, p in model.named_parameters()
               if p.requires_grad and n.startswith(("patch_embed.", "cls_token", "blocks.")))


VIT = {
    "S": dict(embed_dim=384, depth=12, num_heads=6, dd=256, dh=8, p=16),
    "B": dict(embed_dim=768, depth=12, num_heads=12, dd=512, dh=16, p=16),
    "L": dict(embed_dim=1024, depth=24, num_heads=16, dd=512, dh=16, p=16),
    "H": dict(embed_dim=1280, depth=32, num_heads=16, dd=512, dh=16, p=14),
}
# docs/model.md §14: encoder (no final LN), MAE total (d8), CrossMAE decoder (d12), CrossMAE total (d12)
COUNTS = {
    "S": (21_589_248, 28_204_800, 10_471_068, 32_060_316),
    "B": (85_645_824, 111_655_680, 41_388_444, 127_034_268),
    "L": (303_097_856, 329_239_296, 44_540_460, 347_638_316),
    "H": (630_433_280, 656_613_964, 47_600_088, 678_033_368),
}


def build_full(kind, size, skip_init=False, **extra):
    v = VIT[size]
    kw = dict(img_size=224, patch_size=v["p"], in_chans=3, embed_dim=v["embed_dim"], depth=v["depth"],
              num_heads=v["num_heads"], decoder_embed_dim=v["dd"], decoder_num_heads=v["dh"], mlp_ratio=4.0)
    kw.update(extra)
    saved = models._MaskedAutoencoderBase._init_common
    if skip_init:
        models._MaskedAutoencoderBase._init_common = lambda self: None
    try:
        if kind == "mae":
            return MAE(decoder_depth=8, **kw)
        return CrossMAE(decoder_depth=kw.pop("decoder_depth", 12), kept_mask_ratio=0.25, use_fm=[-1],
                        use_input=True, **kw)
    finally:
        models._MaskedAutoencoderBase._init_common = saved


def check_counts(size, skip_init):
    enc, mae_total, cdec, ctotal = COUNTS[size]
    v = VIT[size]
    L = (224 // v["p"]) ** 2
    m = build_full("mae", size, skip_init)
    assert enc_count(m) == enc, (size, enc_count(m))
    assert count(m) == mae_total, (size, "mae", count(m))
    if size == "B":
        assert count(m, trainable=False) == 111_907_840
    del m
    c = build_full("crossmae", size, skip_init)
    assert enc_count(c) == enc
    assert count(c) - enc == cdec, (size, "crossmae decoder", count(c) - enc)
    assert count(c) == ctotal, (size, "crossmae", count(c))
    assert count(c, trainable=False) == ctotal + (L + 1) * (v["embed_dim"] + v["dd"])
    assert "norm.weight" not in c.state_dict()
    k = v["depth"] + 1
    assert c.wfm.linear.weight.shape == (12, k)
    return c


@test
def parameter_counts_vit_s_b():
    check_counts("S", skip_init=False)
    c = check_counts("B", skip_init=False)
    # docs/model.md §12 / §20 init bounds for ViT-B (xavier on the fused shapes); IBA bound 0.4899
    bounds = {"wfm.linear.weight": 0.4899, "blocks.0.attn.qkv.weight": 0.0442,
              "blocks.0.attn.proj.weight": 0.0625, "blocks.0.mlp.fc1.weight": 0.0395,
              "decoder_blocks.0.cross_attn.kv.weight": 0.0579, "decoder_blocks.0.cross_attn.q.weight": 0.0765,
              "decoder_blocks.0.mlp.fc2.weight": 0.0484, "decoder_pred.weight": 0.0685}
    sd = dict(c.named_parameters())
    for k, a in bounds.items():
        mx = float(sd[k].abs().max())
        assert mx <= a + 1e-4 and (k == "wfm.linear.weight" or mx > 0.95 * a), (k, mx, a)
    pe_w = sd["patch_embed.proj.weight"]
    assert float(pe_w.abs().max()) <= 0.0625 + 1e-6
    assert 0.03 < float(sd["patch_embed.proj.bias"].abs().max()) <= 0.0361 + 1e-6  # conv default bias init
    assert float(sd["blocks.0.attn.qkv.bias"].abs().max()) == 0.0
    assert 0.01 < float(c.cls_token.std()) < 0.03
    del c
    dd8 = build_full("crossmae", "B", True, decoder_depth=8)
    assert count(dd8) - COUNTS["B"][0] == 27_724_136, count(dd8) - COUNTS["B"][0]


@test
def parameter_counts_vit_l_h():
    check_counts("L", skip_init=True)
    check_counts("H", skip_init=True)


@test
def equivalence_gamma_equals_p():
    """docs/model.md §20: with γ = p the CrossMAE reduction equals MAE's masked-loss reduction on the same pred/target."""
    torch.manual_seed(21)
    kw = dict(img_size=16, patch_size=4, in_chans=3, embed_dim=32, depth=3, num_heads=2,
              decoder_embed_dim=16, decoder_depth=2, decoder_num_heads=2, mask_ratio=0.75)
    cm = CrossMAE(kept_mask_ratio=0.75, use_fm=[2], use_input=False, **kw)
    mae = MAE(**kw)
    for norm_pix in (True, False):
        cm.norm_pix_loss = mae.norm_pix_loss = norm_pix
        imgs = torch.randn(3, 3, 16, 16)
        noise = torch.rand(3, 16)
        m = masking_from_noise(noise, 0.75, 0.75)
        assert torch.equal(m["mask_pred"], m["mask_full"])
        pred_full = torch.randn(3, 16, 48)
        pred_sel = torch.gather(pred_full, 1, m["ids_pred"].unsqueeze(-1).expand(-1, -1, 48))
        l_c = cm.forward_loss(imgs, pred_sel, m["ids_pred"])
        l_m = mae.forward_loss(imgs, pred_full, m["mask_full"])
        assert abs(float(l_c) - float(l_m)) < 1e-6, (float(l_c), float(l_m))
        # the CrossMAE model's returned mask equals MAE's for the same noise
        _, _, mask_c = cm(imgs, noise)
        _, _, mask_m = mae(imgs, noise)
        assert torch.equal(mask_c, mask_m)


@test
def crossmae_queries_are_independent():
    """docs/model.md §9.2: without self-attn each query's prediction depends only on itself and the encoder maps."""
    torch.manual_seed(31)
    m = CrossMAE(img_size=16, patch_size=4, in_chans=3, embed_dim=32, depth=3, num_heads=2,
                 decoder_embed_dim=16, decoder_depth=2, decoder_num_heads=2, kept_mask_ratio=0.75)
    imgs, noise = torch.randn(2, 3, 16, 16), torch.rand(2, 16)
    mk = masking_from_noise(noise, 0.75, 0.75)
    feats = m.forward_encoder(imgs, mk["ids_keep"])
    full = m.forward_decoder(feats, mk["ids_pred"])
    sub = m.forward_decoder(feats, mk["ids_pred"][:, 3:5])
    assert torch.allclose(full[:, 3:5], sub, atol=1e-6)
    # and the feature maps: input + 3 blocks, cls row of the input map = raw cls token
    assert len(feats) == 4 and torch.equal(feats[0][:, 0], m.cls_token[0].expand(2, -1))


@test
def independent_loop_reference():
    """Re-derive the tiny CrossMAE and MAE forward with explicit per-sample loops (no gather tricks)."""
    torch.manual_seed(41)
    kw = dict(img_size=16, patch_size=4, in_chans=3, embed_dim=32, depth=3, num_heads=2,
              decoder_embed_dim=16, decoder_depth=2, decoder_num_heads=2, mask_ratio=0.75)
    cm = CrossMAE(kept_mask_ratio=0.25, use_fm=[-2, 0], use_input=True, **kw)  # blocks {0, 1}
    assert cm.use_fm == [0, 1] and cm.wfm.linear.weight.shape == (2, 3)
    mae = MAE(**kw)
    imgs, noise = torch.randn(2, 3, 16, 16), torch.rand(2, 16)
    with torch.no_grad():
        loss_c, pred_c, mask_c = cm(imgs, noise)
        loss_m, pred_m, mask_m = mae(imgs, noise)
        for n in range(2):
            order = sorted(range(16), key=lambda l: float(noise[n, l]))
            keep, pred_ids = order[:4], sorted(order[12:])
            # encoder
            tok = cm.patch_embed(imgs[n:n + 1])[0] + cm.pos_embed[0, 1:]
            x = torch.cat([cm.cls_token[0], torch.stack([tok[l] for l in keep])], 0)[None]
            maps = [x]
            for i, blk in enumerate(cm.blocks):
                x = blk(x)
                if i in (0, 1):
                    maps.append(x)
            W = cm.wfm.linear.weight
            q = torch.stack([cm.decoder_pos_embed[0, l + 1] for l in pred_ids])[None] + cm.mask_token
            for j, blk in enumerate(cm.decoder_blocks):
                y = sum(W[j, i] * maps[i] for i in range(3))
                q = blk(q, cm.dec_norms[j](y))
            out = cm.decoder_pred(cm.decoder_norm(q))[0]
            assert torch.allclose(out, pred_c[n], atol=1e-5)
            assert [l for l in range(16) if mask_c[n, l] == 1] == pred_ids
            # MAE
            tok = mae.patch_embed(imgs[n:n + 1])[0] + mae.pos_embed[0, 1:]
            x = torch.cat([mae.cls_token[0], torch.stack([tok[l] for l in keep])], 0)[None]
            for blk in mae.blocks:
                x = blk(x)
            x = mae.decoder_embed(mae.norm(x))[0]
            seq = [x[0]] + [x[1 + keep.index(l)] if l in keep else mae.mask_token[0, 0] for l in range(16)]
            x = (torch.stack(seq) + mae.decoder_pos_embed[0])[None]
            for blk in mae.decoder_blocks:
                x = blk(x)
            out = mae.decoder_pred(mae.decoder_norm(x))[0, 1:]
            assert torch.allclose(out, pred_m[n], atol=1e-5)
            assert [l for l in range(16) if mask_m[n, l] == 1] == sorted(order[4:])


@test
def attention_matches_manual_heads():
    from layers import Attention, CrossAttention
    torch.manual_seed(51)
    a = Attention(8, num_heads=2)
    x = torch.randn(1, 3, 8)
    qkv = a.qkv(x)[0]
    outs = []
    for h in range(2):
        q, k, v = (qkv[:, s * 8 + h * 4: s * 8 + h * 4 + 4] for s in range(3))
        outs.append(torch.softmax(q @ k.T / 2.0, -1) @ v)
    assert torch.allclose(a(x)[0], a.proj(torch.cat(outs, -1)), atol=1e-6)
    ca = CrossAttention(8, 6, num_heads=2)
    y = torch.randn(1, 5, 6)
    q_all, kv = ca.q(x)[0], ca.kv(y)[0]
    outs = []
    for h in range(2):
        q, k, v = q_all[:, h * 4:h * 4 + 4], kv[:, h * 4:h * 4 + 4], kv[:, 8 + h * 4:8 + h * 4 + 4]
        outs.append(torch.softmax(q @ k.T / 2.0, -1) @ v)
    assert torch.allclose(ca(x, y)[0], ca.proj(torch.cat(outs, -1)), atol=1e-6)


@test
def safetensors_roundtrip():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.safetensors")
        t = {"a": torch.randn(2, 3), "b": torch.arange(5), "c": torch.zeros(0, 4), "s": torch.tensor(2.5)}
        save_file(path, t, {"k": "v"})
        raw = open(path, "rb").read()
        n = int.from_bytes(raw[:8], "little")
        assert n % 8 == 0
        out, meta = load_file(path)
        assert meta == {"k": "v"}
        assert out["b"].dtype == np.float32 and np.array_equal(out["b"], np.arange(5, dtype=np.float32))
        assert np.array_equal(out["a"], t["a"].numpy()) and out["c"].shape == (0, 4) and out["s"].shape == ()


@test
def adamw_fixture_matches_closed_form():
    """Re-derive the AdamW fixture in float64 from the update rule (PyTorch 1.13 _single_tensor_adamw)."""
    f = os.path.join(ROOT, "nn", "src", "test", "resources", "golden", "adamw.safetensors")
    if not os.path.exists(f):
        print("  (fixtures not generated yet; skipping)")
        return
    t, meta = load_file(f)
    groups = json.loads(meta["groups"])
    b1, b2 = json.loads(meta["betas"])
    eps = json.loads(meta["eps"])
    for g in groups:
        for name in g["names"]:
            p = t["init." + name].astype(np.float64)
            m = np.zeros_like(p)
            v = np.zeros_like(p)
            for s in range(1, 6):
                lr = g["lr"] * s / 5
                grad = t["grad.%d.%s" % (s, name)].astype(np.float64)
                p = p * (1 - lr * g["weight_decay"])
                m = b1 * m + (1 - b1) * grad
                v = b2 * v + (1 - b2) * grad * grad
                denom = np.sqrt(v) / np.sqrt(1 - b2 ** s) + eps
                p = p - (lr / (1 - b1 ** s)) * m / denom
                assert close(p, t["param.%d.%s" % (s, name)], 2e-6), (name, s)
            assert close(m, t["exp_avg.5." + name], 1e-6) and close(v, t["exp_avg_sq.5." + name], 1e-6)


def run_check(*args):
    return subprocess.run([sys.executable, os.path.join(HERE, "check_state_dict.py")] + list(args),
                          capture_output=True, text=True)


@test
def fixtures_and_checker():
    nn_dir = os.path.join(ROOT, "nn", "src", "test", "resources", "golden")
    cm_dir = os.path.join(ROOT, "crossmae", "src", "test", "resources", "golden")
    if not os.path.exists(os.path.join(cm_dir, "crossmae_kmr025.weights.safetensors")):
        print("  (fixtures not generated yet; skipping)")
        return
    for case in ("linear", "layer_norm", "mlp", "attention", "cross_attention", "block", "cross_attention_block"):
        f = os.path.join(nn_dir, case + ".safetensors")
        r = run_check(f, "--prefix", "param.", "--io", f)
        assert r.returncode == 0, r.stderr
        _, meta = load_file(f)
        assert meta["torch_version"] == torch.__version__ and meta["script"] == "tools/golden/make_fixtures.py"
    for v in ("crossmae_kmr025", "crossmae_kmr075", "crossmae_selfattn", "crossmae_lastfm", "crossmae_gray",
              "mae", "mae_nonorm"):
        base = os.path.join(cm_dir, v)
        r = run_check(base + ".weights.safetensors", "--batch", base + ".batch.safetensors",
                      "--expected", base + ".expected.safetensors")
        assert r.returncode == 0, r.stderr
    # negative cases: the checker must reject a broken state dict and list every problem
    w, meta = load_file(os.path.join(cm_dir, "crossmae_kmr025.weights.safetensors"))
    with tempfile.TemporaryDirectory() as d:
        bad = dict(w)
        del bad["dec_norms.1.bias"]
        bad["norm.weight"] = np.ones(32, np.float32)
        bad["decoder_pred.weight"] = np.zeros((47, 16), np.float32)
        p = os.path.join(d, "bad.safetensors")
        save_file(p, bad, meta)
        r = run_check(p)
        assert r.returncode == 1 and "dec_norms.1.bias" in r.stderr and "norm.weight" in r.stderr \
            and "decoder_pred.weight" in r.stderr, r.stderr
        wrong = dict(w)
        wrong["blocks.0.attn.qkv.weight"] = w["blocks.0.attn.qkv.weight"] * 1.01
        p2 = os.path.join(d, "wrong.safetensors")
        save_file(p2, wrong, meta)
        cm_base = os.path.join(cm_dir, "crossmae_kmr025")
        r = run_check(p2, "--batch", cm_base + ".batch.safetensors", "--expected", cm_base + ".expected.safetensors")
        assert r.returncode == 1 and "pred" in r.stderr, r.stderr
        pos = dict(w)
        pos["pos_embed"] = np.zeros_like(w["pos_embed"])
        p3 = os.path.join(d, "pos.safetensors")
        save_file(p3, pos, meta)
        r = run_check(p3)
        assert r.returncode == 1 and "pos_embed" in r.stderr, r.stderr
        cfg = json.loads(meta["config"])
        assert cfg["use_fm"] == [-1] and cfg["norm_eps"] == 1e-6


def main():
    torch.set_num_threads(max(1, torch.get_num_threads()))
    tests = [sincos_table_d8_g2, sincos_table_e768_g14, masking_counts_table, patchify_order_and_patch_embed,
             zero_prediction_loss, equivalence_gamma_equals_p, crossmae_queries_are_independent,
             independent_loop_reference, attention_matches_manual_heads, safetensors_roundtrip,
             adamw_fixture_matches_closed_form,
             parameter_counts_vit_s_b]
    if "--skip-large" not in sys.argv:
        tests.append(parameter_counts_vit_l_h)
    tests.append(fixtures_and_checker)
    for t in tests:
        t()
    print("all %d self-tests passed (torch %s)" % (len(RESULTS), torch.__version__))


if __name__ == "__main__":
    main()
