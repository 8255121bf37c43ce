#!/usr/bin/python3
"""Minimal safetensors reader/writer (numpy + json + struct; no `safetensors` package needed).

Format: 8-byte little-endian u64 header length N, then N bytes of UTF-8 JSON
    {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
     "__metadata__": {"k": "v"}}
(offsets relative to the start of the data section; header padded with spaces to a
multiple of 8 bytes), then the raw little-endian tensor data.

The writer emits F32 only (integer-valued tensors are stored as float32), tensors in the
order of the given dict, metadata first, so the output is byte-for-byte deterministic.
The reader also accepts F64/F16/BF16/I64/I32/I16/I8/U8/BOOL so files from other writers can be
inspected.
"""
import json
import struct

import numpy as np

_READ_DTYPES = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"), "U8": np.dtype("u1"), "BOOL": np.dtype("?"),
}


def _to_numpy_f32(value):
    try:
        import torch
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
    except ImportError:  # pragma: no cover
        pass
    # np.array keeps 0-d arrays 0-d (np.ascontiguousarray would make them 1-d)
    return np.array(value, dtype="<f4", order="C", copy=True)


def save_file(path, tensors, metadata=None):
    """Write `tensors` (name -> torch.Tensor / numpy array) as F32 safetensors."""
    header = {}
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError("metadata keys and values must be str: %r=%r" % (k, v))
        header["__metadata__"] = dict(metadata)
    blobs = []
    offset = 0
    for name, value in tensors.items():
        if name == "__metadata__":
            raise ValueError("reserved tensor name __metadata__")
        arr = _to_numpy_f32(value)
        data = arr.tobytes(order="C")
        header[name] = {"dtype": "F32", "shape": [int(s) for s in arr.shape],
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    hbytes = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    pad = (-len(hbytes)) % 8
    hbytes += b" " * pad
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for b in blobs:
            f.write(b)


def load_file(path, as_torch=False):
    """Read a safetensors file. Returns (dict name -> numpy array (or torch tensor), metadata dict)."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError("%s: too short for a safetensors file" % path)
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError("%s: header length %d exceeds file size %d" % (path, n, len(raw)))
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    data = memoryview(raw)[8 + n:]
    out = {}
    for name, info in header.items():
        dt = info["dtype"]
        if dt not in _READ_DTYPES:
            raise ValueError("%s: tensor %s has unsupported dtype %s" % (path, name, dt))
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        arr = np.frombuffer(data[begin:end], dtype=_READ_DTYPES[dt]).copy()
        expected = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if arr.size != expected:
            raise ValueError("%s: tensor %s has %d elements, shape %s needs %d"
                             % (path, name, arr.size, list(shape), expected))
        arr = arr.reshape(shape)
        if as_torch:
            import torch
            arr = torch.from_numpy(arr.astype(arr.dtype.newbyteorder("=")))
        out[name] = arr
    return out, metadata


def load_dtypes(path):
    """Return name -> dtype string as written in the header (for checking F32-ness)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n).decode("utf-8"))
    header.pop("__metadata__", None)
    return {k: v["dtype"] for k, v in header.items()}
