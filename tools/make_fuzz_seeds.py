#!/usr/bin/python3
"""Write the seed inputs of jmae's fuzz tests (docs/fuzzing.md).

    /usr/bin/python3 tools/make_fuzz_seeds.py [--root .]

Each @FuzzTest replays every file of src/test/resources/<package>/<Class>Inputs/<method>/ in the
default test suite, and starts from them when fuzzing. This script writes the seeds (files named
seed-*); inputs the fuzzer found and that were fixed are committed beside them as crash-* files and
are never rewritten here. Needs Debian's python3-torch and python3-pil (tools/golden/README.md).
"""
import argparse
import gzip
import io
import json
import os
import struct
import zipfile

import torch
from PIL import Image


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def safetensors(header, data=b""):
    h = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(h)) + h + data


def st_raw(header_text, data=b""):
    h = header_text.encode()
    return struct.pack("<Q", len(h)) + h + data


def seeds_safetensors(d, fixtures):
    with open(os.path.join(fixtures, "dtypes.safetensors"), "rb") as f:
        write(d, "dtypes", f.read())
    write(d, "empty", safetensors({}))
    write(d, "metadata", safetensors({"__metadata__": {"config": "{\"embed_dim\": 8}", "epoch": "3"}}))
    write(d, "f32", safetensors({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}},
                                struct.pack("<4f", 1, -2, 3.5, 0)))
    write(d, "two", safetensors({"a": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]},
                                 "b": {"dtype": "I64", "shape": [], "data_offsets": [4, 12]}},
                                struct.pack("<2e", 1.5, -0.25) + struct.pack("<q", 7)))
    write(d, "scalar-and-empty", safetensors({"s": {"dtype": "BF16", "shape": [], "data_offsets": [0, 2]},
                                              "e": {"dtype": "F32", "shape": [0, 3], "data_offsets": [2, 2]}},
                                             b"\x80\x3f"))
    # the bad-input probe's findings (issue 20, item 5), refused since
    write(d, "probe-duplicate-key", st_raw('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                                           '"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', b"\0" * 4))
    write(d, "probe-offsets-2to64", st_raw('{"w":{"dtype":"F32","shape":[1],"data_offsets":'
                                           '[18446744073709551616,18446744073709551620]}}', b"\0" * 4))
    write(d, "probe-bytes-after-header", st_raw('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}xyz',
                                                b"\0" * 4))
    write(d, "probe-numel-overflow", st_raw('{"w":{"dtype":"F32","shape":[65536,65536,65536,65536],'
                                            '"data_offsets":[0,0]}}'))


def torch_bytes(obj, **kw):
    buf = io.BytesIO()
    torch.save(obj, buf, **kw)
    return buf.getvalue()


def seeds_pickle(d, fixtures):
    # storages in the order the fuzz harness provides them: float32 [16], float16 [8], int64 [4], bool [6]
    a = torch.arange(16, dtype=torch.float32) - 7.5
    h = torch.arange(8, dtype=torch.float32).half() * 0.25
    lng = torch.tensor([1, -2, 2 ** 24, 2 ** 24 + 1])
    b = torch.tensor([False, True, True, False, True, True])
    objs = {
        "state-dict": {"a": a, "h": h, "l": lng[:3], "b": b},
        "views": {"a": a, "h": h, "l": lng, "b": b, "t": a.view(4, 4).t(), "off": a[5:9], "s": a.view(4, 4)[::2, 1::2]},
        "official-layout": {"model": {"a": a, "h": h}, "optimizer": {"state": {0: {"step": lng[0]}}, "param_groups": []},
                            "epoch": 3, "scaler": {"scale": 65536.0}, "args": argparse.Namespace(lr=1e-3, model="x")},
        "parameter": {"a": torch.nn.Parameter(a), "h": h, "l": lng, "b": b},
    }
    for name, obj in objs.items():
        z = zipfile.ZipFile(io.BytesIO(torch_bytes(obj)))
        write(d, name, z.read("archive/data.pkl"))
    for fx in ["official_tiny.pth", "parameters.pth", "malicious_os_system.pth", "malicious_stack_global.pth"]:
        z = zipfile.ZipFile(os.path.join(fixtures, fx))
        write(d, fx.replace(".pth", ""), z.read("archive/data.pkl"))


def seeds_archive(d, fixtures):
    for fx in ["parameters.pth", "finetuned_ddp.pth", "expanded.pth", "legacy.pth", "torchscript.pt",
               "malicious_os_system.pth", "malicious_stack_global.pth"]:
        with open(os.path.join(fixtures, fx), "rb") as f:
            write(d, fx.replace(".", "-"), f.read())
    write(d, "small-checkpoint", torch_bytes({"model": {"w": torch.ones(2, 3).t(), "b": torch.zeros(2).half()},
                                              "epoch": 1}))


def idx_input(flags, images, labels):
    return bytes([flags]) + struct.pack(">H", len(images)) + images + labels


def seeds_idx(d):
    imgs = struct.pack(">4i", 0x803, 2, 2, 3) + bytes(range(12))
    labs = struct.pack(">2i", 0x801, 2) + bytes([3, 9])
    write(d, "plain", idx_input(0, imgs, labs))
    write(d, "gzip-both", idx_input(3, imgs, labs))
    write(d, "gzip-raw", idx_input(5, gzip.compress(imgs, mtime=0), labs))
    write(d, "truncated", idx_input(0, imgs[:-3], labs))
    write(d, "swapped", idx_input(0, labs, imgs))
    # the bad-input probe's IDX file claiming 2,147,483,639 images (issue 20, item 6)
    write(d, "probe-two-billion-images", idx_input(0, struct.pack(">4i", 0x803, 2147483639, 1, 1) + bytes(1008), labs))


def seeds_cifar(d):
    rec = bytes([3]) + bytes((i * 7) % 256 for i in range(3072))
    write(d, "two-records", rec + bytes([9]) + rec[1:])
    write(d, "truncated", rec + rec[:100])
    write(d, "bad-label", bytes([10]) + rec[1:])


def seeds_config(d, root):
    for name in sorted(os.listdir(os.path.join(root, "configs"))):
        with open(os.path.join(root, "configs", name), "rb") as f:
            write(d, name.replace(".json", ""), f.read())
    write(d, "tiny", json.dumps({"model": "crossmae", "img_size": 16, "patch_size": 4, "in_chans": 3, "embed_dim": 32,
                                 "depth": 3, "num_heads": 2, "decoder_embed_dim": 16, "decoder_depth": 2,
                                 "decoder_num_heads": 2, "mlp_ratio": 4.0, "mask_ratio": 0.75, "kept_mask_ratio": 0.25,
                                 "weight_fm": True, "use_fm": [0, 1, 2], "use_input": True, "self_attn": False,
                                 "norm_pix_loss": True}).encode())
    write(d, "unknown-key", b'{"mask_ratio": 0.75, "no_such_key": 1}')
    write(d, "null-value", b'{"mask_ratio": null}')
    write(d, "not-an-object", b'[1, 2, 3]')


def image_bytes(img, fmt, **kw):
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def seeds_image(d):
    rgb = Image.new("RGB", (5, 3))
    rgb.putdata([(i * 40 % 256, i * 90 % 256, i * 13 % 256) for i in range(15)])
    gray = rgb.convert("L")
    files = {
        "png-rgb": image_bytes(rgb, "PNG"),
        "png-gray": image_bytes(gray, "PNG"),
        "png-rgba": image_bytes(rgb.convert("RGBA"), "PNG"),
        "png-palette": image_bytes(rgb.convert("P"), "PNG"),
        "png-1bit": image_bytes(gray.convert("1"), "PNG"),
        "png-16bit": image_bytes(gray.convert("I;16"), "PNG"),
        "jpeg": image_bytes(rgb, "JPEG", quality=90),
        "jpeg-progressive": image_bytes(rgb.resize((17, 9)), "JPEG", progressive=True),
        "jpeg-gray": image_bytes(gray, "JPEG"),
        "gif": image_bytes(rgb, "GIF"),
        "bmp": image_bytes(rgb, "BMP"),
    }
    files["jpeg-truncated"] = files["jpeg"][: len(files["jpeg"]) // 2]
    for name, data in files.items():
        write(d, name + "-rgb", b"\x00" + data)
        write(d, name + "-gray", b"\x01" + data)
    # the bad-input probe's 30000x30000 PNG, here only its header (the check comes before the data)
    ihdr = struct.pack(">2I5B", 30000, 30000, 1, 0, 0, 0, 0)
    crc = struct.pack(">I", __import__("zlib").crc32(b"IHDR" + ihdr))
    write(d, "probe-30000x30000-png", b"\x00\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + crc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
    root = ap.parse_args().root
    torch.manual_seed(0)
    fixtures = os.path.join(root, "tensor/src/test/resources/io/torch")
    t = os.path.join(root, "tensor/src/test/resources/dev/jmae/tensor/io")
    seeds_safetensors(os.path.join(t, "SafetensorsFuzzTestInputs/safetensorsFile"), fixtures)
    seeds_pickle(os.path.join(t, "torch/PickleFuzzTestInputs/pickle"), fixtures)
    seeds_archive(os.path.join(t, "torch/PthArchiveFuzzTestInputs/pthArchive"), fixtures)
    c = os.path.join(root, "crossmae/src/test/resources/dev/jmae/crossmae")
    seeds_idx(os.path.join(c, "data/IdxFuzzTestInputs/idxFiles"))
    seeds_cifar(os.path.join(c, "data/Cifar10FuzzTestInputs/cifarBatch"))
    seeds_image(os.path.join(c, "data/ImageFileFuzzTestInputs/imageFile"))
    seeds_config(os.path.join(c, "config/ConfigFuzzTestInputs/configJson"), root)


if __name__ == "__main__":
    main()
