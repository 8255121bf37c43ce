#!/usr/bin/python3
"""Writes data/fashion-mnist-subset/: a class-balanced, reproducible subset of Fashion-MNIST.

Selection rule: the first 1,000 training images of each class (10,000 images) and the first
200 test images of each class (2,000 images), kept in their original order. Output is the
original IDX format, gzip-compressed with mtime 0 and no file name in the gzip header, so
re-running the script gives byte-identical files.

Source: Fashion-MNIST (Zalando Research, MIT license), as installed by the Debian package
dataset-fashion-mnist under /usr/share/datasets/fashion-mnist.

Usage (from the repository root):
    /usr/bin/python3 tools/make_fashion_subset.py [--source DIR] [--out DIR]

Prints the selected original indices of a few images, one known pixel and the sha256 of each
written file; the Java test IdxDatasetTest checks the same facts.
"""
import argparse
import gzip
import hashlib
import os
import struct

import numpy as np

PER_CLASS = {"train": 1000, "t10k": 200}


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    if (magic >> 8) != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file (magic 0x%08x)" % (path, magic))
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims)
    if arr.size != int(np.prod(shape)):
        raise ValueError("%s: %d data bytes, header declares %s" % (path, arr.size, shape))
    return arr.reshape(shape)


def write_idx_gz(path, arr):
    header = struct.pack(">I", 0x00000800 | arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as f:
            f.write(header)
            f.write(np.ascontiguousarray(arr, dtype=np.uint8).tobytes())


def select(labels, per_class):
    """Original indices of the first per_class images of each class, in original order."""
    counts = np.zeros(10, dtype=np.int64)
    keep = []
    for i, y in enumerate(labels):
        if counts[y] < per_class:
            counts[y] += 1
            keep.append(i)
    if not np.all(counts == per_class):
        raise ValueError("not enough images per class: %s" % counts.tolist())
    return np.array(keep, dtype=np.int64)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                      "..", "data", "fashion-mnist-subset"))
    args = parser.parse_args()
    out = os.path.normpath(args.out)
    os.makedirs(out, exist_ok=True)
    for split, per_class in PER_CLASS.items():
        images = read_idx(os.path.join(args.source, "%s-images-idx3-ubyte.gz" % split))
        labels = read_idx(os.path.join(args.source, "%s-labels-idx1-ubyte.gz" % split))
        keep = select(labels, per_class)
        sub_images, sub_labels = images[keep], labels[keep]
        write_idx_gz(os.path.join(out, "%s-images-idx3-ubyte.gz" % split), sub_images)
        write_idx_gz(os.path.join(out, "%s-labels-idx1-ubyte.gz" % split), sub_labels)
        print("%s: %d images (%d per class); subset index -> original index: 0->%d, 1->%d, last (%d)->%d"
              % (split, len(keep), per_class, keep[0], keep[1], len(keep) - 1, keep[-1]))
        print("%s: subset image 1 pixel (row 14, col 14) = %d, label %d; sum of all pixels = %d"
              % (split, sub_images[1, 14, 14], sub_labels[1], int(sub_images.sum(dtype=np.int64))))
    for name in sorted(os.listdir(out)):
        path = os.path.join(out, name)
        if name.endswith(".gz"):
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            print("%s  %8d bytes  sha256 %s" % (name, os.path.getsize(path), digest))


if __name__ == "__main__":
    main()
