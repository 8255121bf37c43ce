#!/usr/bin/python3
"""Writes the PIL resampling fixtures for the jmae data pipeline tests.

Output: crossmae/src/test/resources/data/pil_resize.safetensors, read by ResampleGoldenTest.

Each case resizes an 8-bit image with PIL's Image.resize(..., Image.BICUBIC), the resampling that
torchvision's Resize and RandomResizedCrop use on PIL images. A case with a crop box does what
torchvision.transforms.functional.resized_crop does on a PIL image: img.crop(box), then resize.

Tensors (F32 holding the uint8 values; safetensors_io writes F32 only):
    <case>.input   [C, H, W]  the source image, planar
    <case>.output  [C, h, w]  PIL's result
Metadata "cases": a JSON list of {"name", "box": [left, top, right, bottom] or null,
"height", "width"} in file order.

Needs /usr/bin/python3 with numpy and PIL (Debian python3-numpy, python3-pil). Deterministic:
fixed seeds, so re-running gives byte-identical output.
"""
import json
import os
import sys

import numpy as np
from PIL import Image
import PIL

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden"))
from safetensors_io import save_file  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OUT = os.path.join(ROOT, "crossmae", "src", "test", "resources", "data", "pil_resize.safetensors")


def to_pil(chw):
    if chw.shape[0] == 1:
        return Image.fromarray(chw[0], mode="L")
    return Image.fromarray(np.transpose(chw, (1, 2, 0)), mode="RGB")


def from_pil(img):
    a = np.asarray(img, dtype=np.uint8)
    return a[None, :, :] if a.ndim == 2 else np.transpose(a, (2, 0, 1))


def random_image(rng, c, h, w):
    return rng.integers(0, 256, size=(c, h, w), dtype=np.uint8)


def smooth_image(c, h, w):
    y, x = np.mgrid[0:h, 0:w]
    planes = [(127.5 + 127.5 * np.sin(x * (0.3 + 0.1 * k) + y * 0.2 * (k + 1))) for k in range(c)]
    return np.clip(np.rint(np.stack(planes)), 0, 255).astype(np.uint8)


def main():
    rng = np.random.default_rng(20240126)
    cases = [
        # name, image, box (left, top, right, bottom) or None, output height, output width
        ("up_28x28x1_to_32x32", random_image(rng, 1, 28, 28), None, 32, 32),
        ("down_28x28x1_to_14x14", random_image(rng, 1, 28, 28), None, 14, 14),
        ("down_28x28x1_to_7x7", random_image(rng, 1, 28, 28), None, 7, 7),
        ("down_23x37x3_to_16x16", random_image(rng, 3, 23, 37), None, 16, 16),
        ("mixed_30x40x3_to_11x17", random_image(rng, 3, 30, 40), None, 11, 17),
        ("height_only_20x28x1_to_45x28", random_image(rng, 1, 20, 28), None, 45, 28),
        ("short_side_28x20x3_to_22x16", random_image(rng, 3, 28, 20), None, 22, 16),
        ("crop_23x37x3_box_5_3_22_22_to_24x24", random_image(rng, 3, 23, 37), (5, 3, 22, 22), 24, 24),
        ("crop_28x28x1_box_0_9_12_28_to_28x28", random_image(rng, 1, 28, 28), (0, 9, 12, 28), 28, 28),
        ("smooth_48x64x1_to_96x96", smooth_image(1, 48, 64), None, 96, 96),
        ("smooth_48x64x3_crop_box_7_2_57_40_to_20x20", smooth_image(3, 48, 64), (7, 2, 57, 40), 20, 20),
    ]
    tensors = {}
    meta = []
    for name, chw, box, oh, ow in cases:
        img = to_pil(chw)
        if box is not None:
            img = img.crop(box)
        out = from_pil(img.resize((ow, oh), Image.BICUBIC))
        assert out.shape == (chw.shape[0], oh, ow), (name, out.shape)
        tensors[name + ".input"] = chw.astype(np.float32)
        tensors[name + ".output"] = out.astype(np.float32)
        meta.append({"name": name, "box": list(box) if box else None, "height": oh, "width": ow})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    save_file(OUT, tensors, {"cases": json.dumps(meta), "pil_version": PIL.__version__,
                             "writer": "tools/data_fixtures.py"})
    print("wrote %s (%d cases, %d bytes, PIL %s)" % (os.path.relpath(OUT, ROOT), len(cases),
                                                   os.path.getsize(OUT), PIL.__version__))


if __name__ == "__main__":
    main()
