#!/usr/bin/python3
"""Writes the Pillow fixtures of the RandAugment ops for the jmae data pipeline tests.

Output: crossmae/src/test/resources/data/pil_augment.safetensors, read by AugmentOpsGoldenTest.

Each case applies one of timm 0.9.7's RandAugment op functions (timm/data/auto_augment.py; the
ones used by rand-m9-mstd0.5-inc1 are copied below, unchanged except that the resample filter is
passed explicitly) with a given argument to a small 8-bit image, "L" or "RGB", through Pillow.

Tensors (F32 holding the uint8 values; safetensors_io writes F32 only):
    <input>          [C, H, W]  a source image, planar (names in metadata "inputs")
    <case>.output    [C, H, W]  Pillow's result
Metadata "cases": a JSON list of {"name", "input", "op", "arg" (number or null), "resample"
("bilinear", "bicubic" or null), "fill" (list, one value per channel, or null)} in file order.

Needs /usr/bin/python3 with numpy and PIL (Debian python3-numpy, python3-pil 9.4). Deterministic:
fixed seeds, so re-running gives byte-identical output.
"""
import json
import os
import sys

import numpy as np
from PIL import Image, ImageEnhance, ImageOps
import PIL

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden"))
from safetensors_io import save_file  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OUT = os.path.join(ROOT, "crossmae", "src", "test", "resources", "data", "pil_augment.safetensors")

RESAMPLE = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}


# ---- timm 0.9.7 auto_augment.py op functions (PIL >= 5.2 branches) ----
def shear_x(img, factor, **kwargs):
    return img.transform(img.size, Image.AFFINE, (1, factor, 0, 0, 1, 0), **kwargs)


def shear_y(img, factor, **kwargs):
    return img.transform(img.size, Image.AFFINE, (1, 0, 0, factor, 1, 0), **kwargs)


def translate_x_rel(img, pct, **kwargs):
    pixels = pct * img.size[0]
    return img.transform(img.size, Image.AFFINE, (1, 0, pixels, 0, 1, 0), **kwargs)


def translate_y_rel(img, pct, **kwargs):
    pixels = pct * img.size[1]
    return img.transform(img.size, Image.AFFINE, (1, 0, 0, 0, 1, pixels), **kwargs)


def rotate(img, degrees, **kwargs):
    return img.rotate(degrees, **kwargs)


def auto_contrast(img, **__):
    return ImageOps.autocontrast(img)


def invert(img, **__):
    return ImageOps.invert(img)


def equalize(img, **__):
    return ImageOps.equalize(img)


def solarize(img, thresh, **__):
    return ImageOps.solarize(img, thresh)


def solarize_add(img, add, thresh=128, **__):
    lut = []
    for i in range(256):
        if i < thresh:
            lut.append(min(255, i + add))
        else:
            lut.append(i)

    if img.mode in ("L", "RGB"):
        if img.mode == "RGB" and len(lut) == 256:
            lut = lut + lut + lut
        return img.point(lut)

    return img


def posterize(img, bits_to_keep, **__):
    if bits_to_keep >= 8:
        return img
    return ImageOps.posterize(img, bits_to_keep)


def contrast(img, factor, **__):
    return ImageEnhance.Contrast(img).enhance(factor)


def color(img, factor, **__):
    return ImageEnhance.Color(img).enhance(factor)


def brightness(img, factor, **__):
    return ImageEnhance.Brightness(img).enhance(factor)


def sharpness(img, factor, **__):
    return ImageEnhance.Sharpness(img).enhance(factor)
# ---- end of the copy ----


OPS = {"AutoContrast": auto_contrast, "Equalize": equalize, "Invert": invert, "Rotate": rotate,
       "Posterize": posterize, "Solarize": solarize, "SolarizeAdd": solarize_add, "Color": color,
       "Contrast": contrast, "Brightness": brightness, "Sharpness": sharpness, "ShearX": shear_x,
       "ShearY": shear_y, "TranslateXRel": translate_x_rel, "TranslateYRel": translate_y_rel}
GEOMETRIC = {"Rotate", "ShearX", "ShearY", "TranslateXRel", "TranslateYRel"}


def to_pil(chw):
    if chw.shape[0] == 1:
        return Image.fromarray(chw[0], mode="L")
    return Image.fromarray(np.transpose(chw, (1, 2, 0)), mode="RGB")


def from_pil(img):
    a = np.asarray(img, dtype=np.uint8)
    if a.ndim == 2:
        return a[None]
    return np.transpose(a, (2, 0, 1)).copy()


def inputs():
    rng = np.random.default_rng(2024)
    out = {}
    for name, c, h, w in (("gray", 1, 13, 17), ("rgb", 3, 12, 15), ("square", 3, 9, 9)):
        yy, xx = np.mgrid[0:h, 0:w]
        base = 40 + 150 * (xx / (w - 1)) * (0.5 + 0.5 * np.sin(yy / 2.0))
        planes = [np.clip(base * (0.6 + 0.2 * k) + rng.normal(0, 25, (h, w)), 0, 255) for k in range(c)]
        out[name] = np.stack(planes).astype(np.uint8)
    # a low-contrast image (values 90..140) for autocontrast/equalize/contrast
    out["dim"] = rng.integers(90, 141, (3, 10, 11)).astype(np.uint8)
    out["dimgray"] = rng.integers(100, 121, (1, 10, 11)).astype(np.uint8)
    return out


def cases():
    cs = []
    for img in ("gray", "rgb", "dim", "dimgray"):
        for op in ("AutoContrast", "Equalize", "Invert"):
            cs.append((img, op, None, None))
        for bits in (0, 1, 4):
            cs.append((img, "Posterize", bits, None))
        for t in (26, 128, 256):
            cs.append((img, "Solarize", t, None))
        cs.append((img, "SolarizeAdd", 99, None))
        for op in ("Color", "Contrast", "Brightness", "Sharpness"):
            for f in (0.19, 0.5, 1.81, 1.0, 0.0):
                cs.append((img, op, f, None))
    for img in ("gray", "rgb"):
        for r in ("bicubic", "bilinear"):
            cs.append((img, "ShearX", 0.27, r))
            cs.append((img, "ShearX", -0.2835, r))
            cs.append((img, "ShearY", 0.15, r))
            cs.append((img, "ShearY", -0.3, r))
            cs.append((img, "TranslateXRel", 0.405, r))
            cs.append((img, "TranslateXRel", -0.2, r))
            cs.append((img, "TranslateYRel", 0.3, r))
            cs.append((img, "TranslateYRel", -0.4455, r))
            cs.append((img, "Rotate", 27.0, r))
            cs.append((img, "Rotate", -27.0, r))
            cs.append((img, "Rotate", 13.5, r))
            cs.append((img, "Rotate", -8.1, r))
    for angle in (90.0, 180.0, 270.0, -90.0, 0.0):
        cs.append(("square", "Rotate", angle, "bicubic"))
    return cs


def main():
    ins = inputs()
    tensors = {k: v.astype(np.float32) for k, v in ins.items()}
    meta = []
    for i, (img_name, op, arg, resample) in enumerate(cases()):
        src = ins[img_name]
        pil = to_pil(src)
        kwargs = {}
        fill = None
        if op in GEOMETRIC:
            fill = [124] if src.shape[0] == 1 else [124, 116, 104]
            kwargs = {"resample": RESAMPLE[resample], "fillcolor": tuple(fill)}
        args = () if arg is None else (arg,)
        out = from_pil(OPS[op](pil, *args, **kwargs))
        assert out.shape == src.shape, (op, out.shape, src.shape)
        name = "c%03d_%s_%s" % (i, img_name, op)
        tensors[name + ".output"] = out.astype(np.float32)
        meta.append({"name": name, "input": img_name, "op": op, "arg": arg, "resample": resample, "fill": fill})
    save_file(OUT, tensors, {"cases": json.dumps(meta), "inputs": json.dumps(list(ins.keys())),
                             "pillow": PIL.__version__})
    print("wrote", OUT, len(meta), "cases, Pillow", PIL.__version__)


if __name__ == "__main__":
    main()
