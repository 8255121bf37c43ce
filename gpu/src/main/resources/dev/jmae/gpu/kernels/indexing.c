// Indexing kernels on contiguous operands: index validation, gather, scatter / scatterAdd,
// indexSelect and a stable argsort over the last dim. Index tensors hold integers as float32.

// Index validation is deferred, like a device-side assertion: the host never waits for it.
// flags holds two ints per pending check: flags[2*slot] = the smallest position i < n whose
// index[offset + i] is not an integer in [0, size) (INT_MAX when none), flags[2*slot + 1] the bits
// of that index value (written by indexCheckValue). The host reads the flags at its next read or
// synchronize. Integer atomics only flag errors; no float result depends on them.
DEVICE int validIndex(float v, int size) {
    return v >= 0.0f && v < (float) size && v == floorf(v);
}

KERNEL void indexCheck(GLOBAL int* flags, const int slot, GLOBAL const float* index, const int offset, const int n,
                       const int size) {
    int i = GLOBAL_ID(0);
    if (i < n && !validIndex(index[offset + i], size)) {
        ATOMIC_MIN(flags + 2 * slot, i);
    }
}

// One work-item: records the offending value of a check that failed.
KERNEL void indexCheckValue(GLOBAL int* flags, const int slot, GLOBAL const float* index, const int offset) {
    if (GLOBAL_ID(0) == 0 && flags[2 * slot] != INT_MAX) {
        flags[2 * slot + 1] = FLOAT_AS_INT(index[offset + flags[2 * slot]]);
    }
}

// out[outOffset + base + i] = x[L.0(i) + index[indexOffset + base + i] * xDimStride], L
// enumerating (a block of) index's shape row-major with x's strides (stride 0 at dim, x's offset
// included); base is the block's first position. An invalid index (flagged by indexCheck,
// reported later by the host) reads nothing and writes 0.
KERNEL void gather(GLOBAL float* out, const int outOffset, GLOBAL const float* x, GLOBAL const float* index,
                   const int indexOffset, const Strided L, const int xDimStride, const int base, const int size) {
    int i = GLOBAL_ID(0);
    if (i < L.numel) {
        float v = index[indexOffset + base + i];
        out[outOffset + base + i] = validIndex(v, size) ? x[stridedOffset(L, i, 0) + (int) v * xDimStride] : 0.0f;
    }
}

// One work-item per fiber (a position of index's shape with the dim coordinate left out): walks
// j = 0..len-1 along dim in order, so with duplicate targets the last write wins (scatter) or
// the additions happen in row-major order (scatterAdd), exactly like the reference. F.0 is the
// fiber's offset in index/src (relative), F.1 its offset in out (out's offset included). An
// invalid index (flagged by indexCheck) writes nothing.
KERNEL void scatter(GLOBAL float* out, GLOBAL const float* index, const int indexOffset, GLOBAL const float* src,
                    const int srcOffset, const Strided F, const int len, const int dimStride, const int outDimStride,
                    const int add, const int size) {
    int f = GLOBAL_ID(0);
    if (f >= F.numel) {
        return;
    }
    int o[2];
    stridedOffsets(F, f, 2, o);
    for (int j = 0; j < len; j++) {
        int p = o[0] + j * dimStride;
        float v = index[indexOffset + p];
        if (!validIndex(v, size)) {
            continue;
        }
        int t = o[1] + (int) v * outDimStride;
        float s = src[srcOffset + p];
        out[t] = add ? out[t] + s : s;
    }
}

// out[b, j, r] = x[b, index[j], r] with x viewed as [outer, size, inner], out as [outer, len, inner];
// an invalid index (flagged by indexCheck) writes 0.
KERNEL void indexSelect(GLOBAL float* out, const int outOffset, GLOBAL const float* x, const int xOffset,
                        GLOBAL const float* index, const int indexOffset, const int size, const int len,
                        const int inner, const int n) {
    int i = GLOBAL_ID(0);
    if (i < n) {
        int r = i % inner;
        int t = i / inner;
        int j = t % len;
        int b = t / len;
        float v = index[indexOffset + j];
        out[outOffset + i] = validIndex(v, size) ? x[xOffset + (b * size + (int) v) * inner + r] : 0.0f;
    }
}

// Ascending order with NaN after every number (NaNs equal among themselves); -0 == +0.
DEVICE int sortCompare(float a, float b) {
    int an = IS_NAN(a);
    int bn = IS_NAN(b);
    if (an || bn) {
        return an == bn ? 0 : (an ? 1 : -1);
    }
    return a < b ? -1 : (a > b ? 1 : 0);
}

// Stable argsort by rank counting: element j of a row goes to position #{k : x_k before x_j} +
// #{k < j : x_k equal to x_j}. O(cols^2) per row; rows are short (L <= 1024) in our use.
// Launch: global (cols, rows).
KERNEL void argsort(GLOBAL float* out, const int outOffset, GLOBAL const float* x, const int xOffset,
                    const int cols, const int rows, const int descending) {
    int j = GLOBAL_ID(0);
    int row = GLOBAL_ID(1);
    if (j >= cols || row >= rows) {
        return;
    }
    GLOBAL const float* xr = x + xOffset + row * cols;
    float v = xr[j];
    int rank = 0;
    for (int k = 0; k < cols; k++) {
        int c = sortCompare(xr[k], v);
        if (descending) {
            c = -c;
        }
        rank += c < 0 || (c == 0 && k < j);
    }
    out[outOffset + row * cols + rank] = (float) j;
}
