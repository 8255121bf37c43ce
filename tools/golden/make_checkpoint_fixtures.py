#!/usr/bin/python3
"""Write the PyTorch checkpoint fixtures of jmae's .pth reader (deterministic).

    /usr/bin/python3 tools/golden/make_checkpoint_fixtures.py [--root .]
    /usr/bin/python3 tools/golden/make_checkpoint_fixtures.py --convert W.safetensors OUT.pth

Writes tensor/src/test/resources/io/torch/:

  official_tiny.pth          a micro CrossMAE in the layout of the official training checkpoints:
                             {model, optimizer, epoch, scaler, args (argparse.Namespace)}, where the
                             model state dict has a transposed weight (decoder_pred.weight, a
                             non-contiguous view), biases that share one storage at offsets, and
                             float16 / bfloat16 / float64 tensors
  official_tiny.safetensors  the same model tensors, same dtypes (F16, BF16, F64 kept), contiguous,
                             metadata "config" = the model's flat jmae config
  official_tiny.f32.safetensors  the same values converted with PyTorch's .float() (what a reader
                             must produce), all F32
  finetuned_ddp.pth          a bare state dict saved from a DistributedDataParallel model: keys with a
                             'module.' prefix, a fine-tuned head (fc_norm, head) and no norm
  parameters.pth             nn.Parameter (_rebuild_parameter), int64/int32/uint8/bool/float64
                             tensors, an empty tensor, a 0-d tensor, an int64 beyond 2^24
  expanded.pth               a view larger than its storage (torch.ones(1, 3).expand(4, 3))
  legacy.pth                 the pre-1.6 format (_use_new_zipfile_serialization=False)
  torchscript.pt             a TorchScript archive (torch.jit.save)
  malicious_os_system.pth    a checkpoint whose data.pkl calls os.system('touch /tmp/jmae-pickle-ran');
                             its pickle bytes are written by hand, so making it runs nothing
  malicious_stack_global.pth the same through protocol 4's STACK_GLOBAL with builtins.eval, hidden
                             after a real tensor inside the model dict
  dtypes.safetensors         one tensor per dtype (F16, BF16, F64, I64, I32, I16, I8, U8, BOOL) with
                             edge values, and '<name>.expected': PyTorch's .float() of it as F32

--convert writes any safetensors state dict (e.g. a crossmae golden *.weights.safetensors) into
the official layout, for tests that compare a forward pass of the two files.
"""
import argparse
import io
import json
import os
import struct
import sys
import zipfile

import torch

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from models import build_model  # noqa: E402
from safetensors_io import load_file  # noqa: E402

SCRIPT = "tools/golden/make_checkpoint_fixtures.py"
MARKER = "/tmp/jmae-pickle-ran"

MICRO = dict(model="crossmae", img_size=8, patch_size=4, in_chans=3, embed_dim=8, depth=2, num_heads=2,
             decoder_embed_dim=8, decoder_depth=1, decoder_num_heads=2, mlp_ratio=4.0, mask_ratio=0.75,
             kept_mask_ratio=0.75, weight_fm=True, use_fm=[-1], use_input=True, self_attn=False,
             norm_pix_loss=True, norm_eps=1e-6)

ST_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
             torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
             torch.bool: "BOOL"}


def save_safetensors(path, tensors, metadata):
    """safetensors with each tensor's own dtype (the golden safetensors_io writes F32 only)."""
    header = {"__metadata__": dict(metadata)} if metadata else {}
    blobs, offset = [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        if t.dtype == torch.bfloat16:
            raw = t.view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            raw = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((-len(h)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def torch_save(obj, path, **kwargs):
    """torch.save through a buffer, so the archive's folder is 'archive' (as PyTorch 2.x names it)."""
    buf = io.BytesIO()
    torch.save(obj, buf, **kwargs)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def official_args(cfg):
    """An argparse.Namespace like main_pretrain.py's, with the flags of the micro model."""
    ns = argparse.Namespace()
    for k, v in dict(batch_size=4, epochs=10, accum_iter=1, model="micro_crossmae", input_size=cfg["img_size"],
                     mask_ratio=cfg["mask_ratio"], kept_mask_ratio=cfg["kept_mask_ratio"], norm_pix_loss=True,
                     weight_decay=0.05, lr=None, blr=1.5e-4, min_lr=0.0, warmup_epochs=1, data_path="/data/imagenet",
                     output_dir="./output_dir", log_dir="./output_dir", device="cuda", seed=0, resume="",
                     start_epoch=0, num_workers=10, pin_mem=True, world_size=1, local_rank=-1, dist_on_itp=False,
                     dist_url="env://", distributed=False, cross_mae=True, weight_fm=True, use_fm=[-1],
                     use_input=True, self_attn=False, decoder_depth=cfg["decoder_depth"], enable_flash_attention2=False,
                     ).items():
        setattr(ns, k, v)
    return ns


def official_checkpoint(model, cfg, epoch):
    """{model, optimizer, epoch, scaler, args} as misc.save_model writes it, after one AdamW step."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.05)
    torch.manual_seed(11)
    for p in model.parameters():
        if p.requires_grad:
            p.grad = torch.randn_like(p)
    opt.step()
    scaler = {"scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2000,
              "_growth_tracker": 0}
    return {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch, "scaler": scaler,
            "args": official_args(cfg)}


def make_official_tiny(out):
    torch.manual_seed(2024)
    model = build_model(MICRO)
    ckpt = official_checkpoint(model, MICRO, epoch=7)
    sd = ckpt["model"]
    # a transposed weight: the same values, stored as the transpose of a contiguous [in, out] matrix
    w = sd["decoder_pred.weight"]
    sd["decoder_pred.weight"] = w.t().contiguous().t()
    assert not sd["decoder_pred.weight"].is_contiguous()
    # biases sharing one storage, each a view at its own offset
    bias_keys = [k for k in sd if k.endswith(".bias") and k.startswith("blocks.")]
    flat = torch.cat([sd[k].flatten() for k in bias_keys])
    off = 0
    for k in bias_keys:
        n = sd[k].numel()
        sd[k] = flat[off:off + n].view(sd[k].shape)
        off += n
    # half, bfloat16 and double tensors, as mixed-precision checkpoints hold
    sd["patch_embed.proj.weight"] = sd["patch_embed.proj.weight"].half()
    sd["blocks.0.mlp.fc1.weight"] = sd["blocks.0.mlp.fc1.weight"].bfloat16()
    sd["cls_token"] = sd["cls_token"].double() + 1e-12  # float64 that float32 must round
    torch_save(ckpt, os.path.join(out, "official_tiny.pth"))
    meta = {"config": json.dumps(MICRO), "torch_version": torch.__version__, "script": SCRIPT}
    save_safetensors(os.path.join(out, "official_tiny.safetensors"), sd, meta)
    save_safetensors(os.path.join(out, "official_tiny.f32.safetensors"), {k: v.float() for k, v in sd.items()}, meta)
    return sd


def make_finetuned_ddp(out):
    torch.manual_seed(7)
    sd = {"module.cls_token": torch.randn(1, 1, 4), "module.pos_embed": torch.randn(1, 5, 4),
          "module.blocks.0.norm1.weight": torch.randn(4), "module.fc_norm.weight": torch.randn(4),
          "module.fc_norm.bias": torch.randn(4), "module.head.weight": torch.randn(10, 4),
          "module.head.bias": torch.randn(10)}
    torch_save(sd, os.path.join(out, "finetuned_ddp.pth"))


def make_parameters(out):
    torch.manual_seed(5)
    obj = {"param": torch.nn.Parameter(torch.randn(2, 3)),
           "frozen": torch.nn.Parameter(torch.randn(3), requires_grad=False),
           "int64": torch.arange(-3, 4, dtype=torch.int64) * 1000,
           "int32": torch.tensor([-(2 ** 24), 2 ** 24], dtype=torch.int32),
           "uint8": torch.tensor([0, 7, 255], dtype=torch.uint8),
           "bool": torch.tensor([True, False, True]),
           "float64": torch.tensor([1.0 / 3.0, -2.5e-40, 1e30], dtype=torch.float64),
           "empty": torch.zeros(0, 3),
           "scalar": torch.tensor(2.5),
           "big_int": torch.tensor([2 ** 24 + 1], dtype=torch.int64),
           "int_size": torch.Size([2, 3]),
           "text": b"bytes \x00\xff"}
    torch_save(obj, os.path.join(out, "parameters.pth"))


def make_expanded(out):
    torch_save({"x": torch.ones(1, 3).expand(4, 3)}, os.path.join(out, "expanded.pth"))


def make_legacy(out):
    torch_save({"w": torch.ones(2)}, os.path.join(out, "legacy.pth"), _use_new_zipfile_serialization=False)


def make_torchscript(out):
    m = torch.jit.script(torch.nn.Linear(2, 2))
    buf = io.BytesIO()
    torch.jit.save(m, buf)
    with open(os.path.join(out, "torchscript.pt"), "wb") as f:
        f.write(buf.getvalue())


def write_archive(path, pickle_bytes, storages):
    """A zip laid out like torch.save's (stored entries under archive/), holding our own pickle bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in [("archive/data.pkl", pickle_bytes), ("archive/version", b"3\n")] + storages:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            z.writestr(info, data)


def make_malicious(out):
    cmd = ("touch " + MARKER).encode("ascii")
    # PROTO 2; GLOBAL 'os system'; SHORT_BINUNICODE cmd; TUPLE1; REDUCE; STOP  == os.system(cmd)
    p = b"\x80\x02" + b"cos\nsystem\n" + b"\x8c" + bytes([len(cmd)]) + cmd + b"\x85R."
    write_archive(os.path.join(out, "malicious_os_system.pth"), p, [])
    # {'model': {'w': <float tensor [2]>, 'x': builtins.eval('__import__("os").system(...)')}} in protocol 4
    code = ('__import__("os").system("touch ' + MARKER + '")').encode("ascii")

    def u(s):
        b = s.encode("ascii")
        return b"\x8c" + bytes([len(b)]) + b

    tensor = (u("torch._utils") + u("_rebuild_tensor_v2") + b"\x93"
              + b"(" + b"(" + u("storage") + u("torch") + u("FloatStorage") + b"\x93" + u("0") + u("cpu")
              + b"K\x02" + b"tQ" + b"K\x00" + b"K\x02\x85" + b"K\x01\x85" + b"\x89" + u("collections")
              + u("OrderedDict") + b"\x93)R" + b"tR")
    evil = u("builtins") + u("eval") + b"\x93" + b"\x8c" + bytes([len(code)]) + code + b"\x85R"
    p4 = b"\x80\x04" + b"}(" + u("model") + b"}(" + u("w") + tensor + u("x") + evil + b"u" + b"u."
    write_archive(os.path.join(out, "malicious_stack_global.pth"), p4,
                  [("archive/data/0", struct.pack("<2f", 1.0, 2.0))])
    import pickletools
    for name, b in [("malicious_os_system.pth", p), ("malicious_stack_global.pth", p4)]:
        out_text = io.StringIO()
        pickletools.dis(b, out=out_text)  # disassembles; runs nothing
        print("%s data.pkl:\n%s" % (name, out_text.getvalue()))


def make_dtypes(out):
    t = {
        "f16": torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 6.1e-5, 5.96e-8, float("inf"), float("-inf"), float("nan"),
                             0.1], dtype=torch.float16),
        "bf16": torch.tensor([0.0, 1.0, -3.140625, 3.3895e38, 1e-40, float("inf"), float("nan"), 0.1],
                             dtype=torch.bfloat16),
        "f64": torch.tensor([0.1, 1.0 / 3.0, 2.0 ** -149, 2.0 ** -150, 2.0 ** -151, 3.4028235e38, 1 + 2.0 ** -24,
                             1 + 3 * 2.0 ** -24, float("inf"), float("nan"), -1e-300], dtype=torch.float64),
        "i64": torch.tensor([0, -1, 2 ** 24, -(2 ** 24), 123456], dtype=torch.int64),
        "i32": torch.tensor([7, -7, 2 ** 24], dtype=torch.int32),
        "i16": torch.tensor([-32768, 32767], dtype=torch.int16),
        "i8": torch.tensor([-128, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False]),
    }
    tensors = {}
    for k, v in t.items():
        tensors[k] = v
        tensors[k + ".expected"] = v.float()
    save_safetensors(os.path.join(out, "dtypes.safetensors"), tensors,
                     {"torch_version": torch.__version__, "script": SCRIPT})


def convert(src, dst):
    tensors, meta = load_file(src, as_torch=True)
    cfg = json.loads(meta["config"]) if "config" in meta else dict(MICRO)
    model = build_model(cfg)
    model.load_state_dict(tensors, strict=True)
    torch_save(official_checkpoint(model, cfg, epoch=0), dst)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.abspath(os.path.join(HERE, "..", "..")))
    ap.add_argument("--convert", nargs=2, metavar=("WEIGHTS", "OUT"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    if a.convert:
        convert(*a.convert)
        return
    out = os.path.join(a.root, "tensor", "src", "test", "resources", "io", "torch")
    os.makedirs(out, exist_ok=True)
    make_official_tiny(out)
    make_finetuned_ddp(out)
    make_parameters(out)
    make_expanded(out)
    make_legacy(out)
    make_torchscript(out)
    make_malicious(out)
    make_dtypes(out)
    for f in sorted(os.listdir(out)):
        print("%8d  %s" % (os.path.getsize(os.path.join(out, f)), f))


if __name__ == "__main__":
    main()
