// Row kernels on contiguous operands: softmax and log-softmax (forward, backward) over the last
// dim, layer norm (forward, backward, and the deterministic dweight/dbias column sums) and exact
// GELU (forward, backward). Outputs are overwritten.
//
// Row kernels (softmax, log-softmax, layer norm; forward and backward), launched with one
// work-group per row: in the shared kernels the group's lanes (a power of two, GROUP_SIZE(0))
// stride over the row and combine through treeReduce (local memory: scratch [GROUP_SIZE(0)]
// floats); on OpenCL CPU drivers the group is one work-item that walks the row in float16 chunks
// (per-lane Kahan sums, then a fixed horizontal sum). Either way the order of every sum depends
// only on the sizes, so results are reproducible.

#ifndef VARIANT_CPU

// out = softmax(x) (or log-softmax when logOut != 0) per row. Launch: rows groups of lanes.
DEVICE void softmaxRow(GLOBAL float* out, GLOBAL const float* x, int cols, int logOut, LOCAL float* scratch) {
    int lid = THREAD_ID(0);
    int lanes = GROUP_SIZE(0);
    float m = -INFINITY;
    for (int c = lid; c < cols; c += lanes) {
        m = javaMax(m, x[c]);
    }
    m = treeReduce(scratch, m, TREE_MAX);
    float sum = 0.0f;
    float comp = 0.0f;
    for (int c = lid; c < cols; c += lanes) {
        sum = kahanAdd(sum, expf(x[c] - m), &comp);
    }
    sum = treeReduce(scratch, sum, TREE_SUM);
    if (logOut) {
        float logSum = logf(sum);
        for (int c = lid; c < cols; c += lanes) {
            out[c] = (x[c] - m) - logSum;
        }
    } else {
        for (int c = lid; c < cols; c += lanes) {
            out[c] = expf(x[c] - m) / sum;
        }
    }
}

KERNEL void softmaxForward(GLOBAL float* out, const int outOffset, GLOBAL const float* x, const int xOffset,
                           const int cols LOCAL_ARG(float, scratch)) {
    LOCAL_BIND(float, scratch, 0);
    int row = GROUP_ID(0);
    softmaxRow(out + outOffset + row * cols, x + xOffset + row * cols, cols, 0, scratch);
}

KERNEL void logSoftmaxForward(GLOBAL float* out, const int outOffset, GLOBAL const float* x, const int xOffset,
                              const int cols LOCAL_ARG(float, scratch)) {
    LOCAL_BIND(float, scratch, 0);
    int row = GROUP_ID(0);
    softmaxRow(out + outOffset + row * cols, x + xOffset + row * cols, cols, 1, scratch);
}

// dx = y * (dy - sum(dy * y)) per row (softmax), or dx = dy - exp(y) * sum(dy) (log-softmax).
DEVICE void softmaxBackwardRow(GLOBAL float* dx, GLOBAL const float* y, GLOBAL const float* dy, int cols, int logIn,
                               LOCAL float* scratch) {
    int lid = THREAD_ID(0);
    int lanes = GROUP_SIZE(0);
    float dot = 0.0f;
    float comp = 0.0f;
    for (int c = lid; c < cols; c += lanes) {
        dot = kahanAdd(dot, logIn ? dy[c] : dy[c] * y[c], &comp);
    }
    dot = treeReduce(scratch, dot, TREE_SUM);
    for (int c = lid; c < cols; c += lanes) {
        dx[c] = logIn ? dy[c] - expf(y[c]) * dot : y[c] * (dy[c] - dot);
    }
}

KERNEL void softmaxBackward(GLOBAL float* dx, const int dxOffset, GLOBAL const float* y, const int yOffset,
                            GLOBAL const float* dy, const int dyOffset, const int cols LOCAL_ARG(float, scratch)) {
    LOCAL_BIND(float, scratch, 0);
    int row = GROUP_ID(0);
    softmaxBackwardRow(dx + dxOffset + row * cols, y + yOffset + row * cols, dy + dyOffset + row * cols, cols, 0,
                       scratch);
}

KERNEL void logSoftmaxBackward(GLOBAL float* dx, const int dxOffset, GLOBAL const float* y, const int yOffset,
                               GLOBAL const float* dy, const int dyOffset, const int cols LOCAL_ARG(float, scratch)) {
    LOCAL_BIND(float, scratch, 0);
    int row = GROUP_ID(0);
    softmaxBackwardRow(dx + dxOffset + row * cols, y + yOffset + row * cols, dy + dyOffset + row * cols, cols, 1,
                       scratch);
}

// Layer norm over rows of D = cols: mean, biased variance from squared deviations (two passes),
// rstd = 1/sqrt(var + eps), out = (x - mean) * rstd * weight + bias. Saves mean and rstd per row.
// offsets: [out, mean, rstd, x, weight, bias]. Launch: rows groups of lanes.
KERNEL void layerNormForward(GLOBAL float* out, GLOBAL float* mean, GLOBAL float* rstd, GLOBAL const float* x,
                             GLOBAL const float* weight, GLOBAL const float* bias, const Ints8 offsets,
                             const int cols, const float eps, const int hasWeight, const int hasBias
                             LOCAL_ARG(float, scratch)) {
    LOCAL_BIND(float, scratch, 0);
    int row = GROUP_ID(0);
    int lid = THREAD_ID(0);
    int lanes = GROUP_SIZE(0);
    GLOBAL const float* xr = x + offsets.v[3] + row * cols;
    GLOBAL float* orow = out + offsets.v[0] + row * cols;
    float sum = 0.0f;
    float comp = 0.0f;
    for (int c = lid; c < cols; c += lanes) {
        sum = kahanAdd(sum, xr[c], &comp);
    }
    float mu = treeReduce(scratch, sum, TREE_SUM) / (float) cols;
    float sq = 0.0f;
    comp = 0.0f;
    for (int c = lid; c < cols; c += lanes) {
        float d = xr[c] - mu;
        sq = kahanAdd(sq, d * d, &comp);
    }
    float var = treeReduce(scratch, sq, TREE_SUM) / (float) cols;
    float inv = 1.0f / sqrtf(var + eps);
    if (lid == 0) {
        mean[offsets.v[1] + row] = mu;
        rstd[offsets.v[2] + row] = inv;
    }
    for (int c = lid; c < cols; c += lanes) {
        float y = (xr[c] - mu) * inv;
        if (hasWeight) {
            y *= weight[offsets.v[4] + c];
        }
        if (hasBias) {
            y += bias[offsets.v[5] + c];
        }
        orow[c] = y;
    }
}

// dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with xhat = (x - mean) * rstd, g = dy * weight.
// offsets: [dx, mean, rstd, dy, x, weight]. Launch: rows groups of lanes.
KERNEL void layerNormBackward(GLOBAL float* dx, GLOBAL const float* mean, GLOBAL const float* rstd,
                              GLOBAL const float* dy, GLOBAL const float* x, GLOBAL const float* weight,
                              const Ints8 offsets, const int cols, const int hasWeight LOCAL_ARG(float, scratch)) {
    LOCAL_BIND(float, scratch, 0);
    int row = GROUP_ID(0);
    int lid = THREAD_ID(0);
    int lanes = GROUP_SIZE(0);
    GLOBAL const float* xr = x + offsets.v[4] + row * cols;
    GLOBAL const float* gr = dy + offsets.v[3] + row * cols;
    float mu = mean[offsets.v[1] + row];
    float inv = rstd[offsets.v[2] + row];
    float sg = 0.0f;
    float sgx = 0.0f;
    float cg = 0.0f;
    float cgx = 0.0f;
    for (int c = lid; c < cols; c += lanes) {
        float xhat = (xr[c] - mu) * inv;
        float g = hasWeight ? gr[c] * weight[offsets.v[5] + c] : gr[c];
        sg = kahanAdd(sg, g, &cg);
        sgx = kahanAdd(sgx, g * xhat, &cgx);
    }
    float meanG = treeReduce(scratch, sg, TREE_SUM) / (float) cols;
    float meanGX = treeReduce(scratch, sgx, TREE_SUM) / (float) cols;
    GLOBAL float* dr = dx + offsets.v[0] + row * cols;
    for (int c = lid; c < cols; c += lanes) {
        float xhat = (xr[c] - mu) * inv;
        float g = hasWeight ? gr[c] * weight[offsets.v[5] + c] : gr[c];
        dr[c] = inv * (g - meanG - xhat * meanGX);
    }
}

#endif

#ifdef VARIANT_CPU

// ---- OpenCL, CPU drivers only: one work-item per row walks it in float16 chunks ----

// Sum of the 16 lanes in a fixed order.
inline float lanesSum(float16 v) {
    float8 a = v.lo + v.hi;
    float4 b = a.lo + a.hi;
    float2 c = b.lo + b.hi;
    return c.x + c.y;
}

inline float lanesMax(float16 v) {
    float8 a = fmax(v.lo, v.hi);
    float4 b = fmax(a.lo, a.hi);
    float2 c = fmax(b.lo, b.hi);
    return fmax(c.x, c.y);
}

// Max of a row, NaN if any element is NaN (like Math.max); ±0 ties do not matter to the callers.
inline float rowMax(global const float* x, int cols) {
    float16 mv = (float16) (-INFINITY);
    int16 nan = (int16) (0);
    int c = 0;
    for (; c + 16 <= cols; c += 16) {
        float16 v = vload16(0, x + c);
        nan |= isnan(v);
        mv = fmax(mv, v);
    }
    float m = lanesMax(mv);
    bool anyNan = any(nan);
    for (; c < cols; c++) {
        anyNan |= isnan(x[c]);
        m = fmax(m, x[c]);
    }
    return anyNan ? NAN : m;
}

// Kahan sums of f(x) over a row in 16 lanes, then the lanes in a fixed order.
#define ROW_SUM(RESULT, cols, EXPRV, EXPRS) \
    { \
        float16 rsSum = (float16) (0.0f); \
        float16 rsComp = (float16) (0.0f); \
        int c = 0; \
        for (; c + 16 <= cols; c += 16) { \
            float16 rsY = (EXPRV) - rsComp; \
            float16 rsT = rsSum + rsY; \
            rsComp = (rsT - rsSum) - rsY; \
            rsSum = rsT; \
        } \
        float rsTail = 0.0f; \
        float rsTailComp = 0.0f; \
        for (; c < cols; c++) { \
            rsTail = kahanAdd(rsTail, (EXPRS), &rsTailComp); \
        } \
        RESULT = lanesSum(rsSum) + rsTail; \
    }

inline void softmaxRow(global float* out, global const float* x, int cols, int logOut) {
    float m = rowMax(x, cols);
    float sum;
    ROW_SUM(sum, cols, exp(vload16(0, x + c) - m), exp(x[c] - m))
    int c = 0;
    if (logOut) {
        float logSum = log(sum);
        for (; c + 16 <= cols; c += 16) {
            vstore16((vload16(0, x + c) - m) - logSum, 0, out + c);
        }
        for (; c < cols; c++) {
            out[c] = (x[c] - m) - logSum;
        }
    } else {
        for (; c + 16 <= cols; c += 16) {
            vstore16(exp(vload16(0, x + c) - m) / sum, 0, out + c);
        }
        for (; c < cols; c++) {
            out[c] = exp(x[c] - m) / sum;
        }
    }
}

kernel void softmaxForward(global float* out, const int outOffset, global const float* x, const int xOffset,
                           const int cols, local float* unused) {
    int row = get_global_id(0);
    softmaxRow(out + outOffset + row * cols, x + xOffset + row * cols, cols, 0);
}

kernel void logSoftmaxForward(global float* out, const int outOffset, global const float* x, const int xOffset,
                              const int cols, local float* unused) {
    int row = get_global_id(0);
    softmaxRow(out + outOffset + row * cols, x + xOffset + row * cols, cols, 1);
}

inline void softmaxBackwardRow(global float* dx, global const float* y, global const float* dy, int cols, int logIn) {
    float dot;
    if (logIn) {
        ROW_SUM(dot, cols, vload16(0, dy + c), dy[c])
    } else {
        ROW_SUM(dot, cols, vload16(0, dy + c) * vload16(0, y + c), dy[c] * y[c])
    }
    int c = 0;
    for (; c + 16 <= cols; c += 16) {
        float16 g = vload16(0, dy + c);
        float16 yy = vload16(0, y + c);
        vstore16(logIn ? g - exp(yy) * dot : yy * (g - dot), 0, dx + c);
    }
    for (; c < cols; c++) {
        dx[c] = logIn ? dy[c] - exp(y[c]) * dot : y[c] * (dy[c] - dot);
    }
}

kernel void softmaxBackward(global float* dx, const int dxOffset, global const float* y, const int yOffset,
                            global const float* dy, const int dyOffset, const int cols, local float* unused) {
    int row = get_global_id(0);
    softmaxBackwardRow(dx + dxOffset + row * cols, y + yOffset + row * cols, dy + dyOffset + row * cols, cols, 0);
}

kernel void logSoftmaxBackward(global float* dx, const int dxOffset, global const float* y, const int yOffset,
                               global const float* dy, const int dyOffset, const int cols, local float* unused) {
    int row = get_global_id(0);
    softmaxBackwardRow(dx + dxOffset + row * cols, y + yOffset + row * cols, dy + dyOffset + row * cols, cols, 1);
}

kernel void layerNormForward(global float* out, global float* mean, global float* rstd, global const float* x,
                             global const float* weight, global const float* bias, const Ints8 offsets,
                             const int cols, const float eps, const int hasWeight, const int hasBias,
                             local float* unused) {
    int row = get_global_id(0);
    global const float* xr = x + offsets.v[3] + row * cols;
    global float* orow = out + offsets.v[0] + row * cols;
    global const float* w = weight + offsets.v[4];
    global const float* bb = bias + offsets.v[5];
    float sum;
    ROW_SUM(sum, cols, vload16(0, xr + c), xr[c])
    float mu = sum / (float) cols;
    float sq;
    ROW_SUM(sq, cols, (vload16(0, xr + c) - mu) * (vload16(0, xr + c) - mu), (xr[c] - mu) * (xr[c] - mu))
    float inv = 1.0f / sqrt(sq / (float) cols + eps);
    mean[offsets.v[1] + row] = mu;
    rstd[offsets.v[2] + row] = inv;
    int c = 0;
    for (; c + 16 <= cols; c += 16) {
        float16 y = (vload16(0, xr + c) - mu) * inv;
        if (hasWeight) {
            y *= vload16(0, w + c);
        }
        if (hasBias) {
            y += vload16(0, bb + c);
        }
        vstore16(y, 0, orow + c);
    }
    for (; c < cols; c++) {
        float y = (xr[c] - mu) * inv;
        if (hasWeight) {
            y *= w[c];
        }
        if (hasBias) {
            y += bb[c];
        }
        orow[c] = y;
    }
}

kernel void layerNormBackward(global float* dx, global const float* mean, global const float* rstd,
                              global const float* dy, global const float* x, global const float* weight,
                              const Ints8 offsets, const int cols, const int hasWeight, local float* unused) {
    int row = get_global_id(0);
    global const float* xr = x + offsets.v[4] + row * cols;
    global const float* gr = dy + offsets.v[3] + row * cols;
    global const float* w = weight + offsets.v[5];
    float mu = mean[offsets.v[1] + row];
    float inv = rstd[offsets.v[2] + row];
    float sg;
    float sgx;
    if (hasWeight) {
        ROW_SUM(sg, cols, vload16(0, gr + c) * vload16(0, w + c), gr[c] * w[c])
        ROW_SUM(sgx, cols, vload16(0, gr + c) * vload16(0, w + c) * ((vload16(0, xr + c) - mu) * inv),
                gr[c] * w[c] * ((xr[c] - mu) * inv))
    } else {
        ROW_SUM(sg, cols, vload16(0, gr + c), gr[c])
        ROW_SUM(sgx, cols, vload16(0, gr + c) * ((vload16(0, xr + c) - mu) * inv), gr[c] * ((xr[c] - mu) * inv))
    }
    float meanG = sg / (float) cols;
    float meanGX = sgx / (float) cols;
    global float* dr = dx + offsets.v[0] + row * cols;
    int c = 0;
    for (; c + 16 <= cols; c += 16) {
        float16 xhat = (vload16(0, xr + c) - mu) * inv;
        float16 g = vload16(0, gr + c);
        if (hasWeight) {
            g *= vload16(0, w + c);
        }
        vstore16(inv * (g - meanG - xhat * meanGX), 0, dr + c);
    }
    for (; c < cols; c++) {
        float xhat = (xr[c] - mu) * inv;
        float g = hasWeight ? gr[c] * w[c] : gr[c];
        dr[c] = inv * (g - meanG - xhat * meanGX);
    }
}

#endif

// Column sums for dweight (dy * xhat) and dbias (dy), pass 1: work-item (c, chunk) sums rows
// [chunk * rowsPerChunk, ...) of column c into partialW/partialB[chunk * cols + c].
// offsets: [mean, rstd, dy, x]. Launch: global (cols, chunks).
KERNEL void layerNormBackwardParams(GLOBAL float* partialW, GLOBAL float* partialB, GLOBAL const float* mean,
                                    GLOBAL const float* rstd, GLOBAL const float* dy, GLOBAL const float* x,
                                    const Ints4 offsets, const int rows, const int cols, const int rowsPerChunk) {
    int c = GLOBAL_ID(0);
    int chunk = GLOBAL_ID(1);
    if (c >= cols) {
        return;
    }
    int r0 = chunk * rowsPerChunk;
    int r1 = IMIN(rows, r0 + rowsPerChunk);
    float sw = 0.0f;
    float sb = 0.0f;
    float cw = 0.0f;
    float cb = 0.0f;
    for (int r = r0; r < r1; r++) {
        float g = dy[offsets.v[2] + r * cols + c];
        float xhat = (x[offsets.v[3] + r * cols + c] - mean[offsets.v[0] + r]) * rstd[offsets.v[1] + r];
        sw = kahanAdd(sw, g * xhat, &cw);
        sb = kahanAdd(sb, g, &cb);
    }
    partialW[chunk * cols + c] = sw;
    partialB[chunk * cols + c] = sb;
}

// Pass 2: dweight[c] / dbias[c] = sum over chunks in order. Launch: global (cols).
KERNEL void layerNormBackwardParamsFinish(GLOBAL float* dweight, const int dwOffset, GLOBAL float* dbias,
                                          const int dbOffset, GLOBAL const float* partialW,
                                          GLOBAL const float* partialB, const int chunks, const int cols,
                                          const int wantWeight, const int wantBias) {
    int c = GLOBAL_ID(0);
    if (c >= cols) {
        return;
    }
    float sw = 0.0f;
    float sb = 0.0f;
    float cw = 0.0f;
    float cb = 0.0f;
    for (int k = 0; k < chunks; k++) {
        sw = kahanAdd(sw, partialW[k * cols + c], &cw);
        sb = kahanAdd(sb, partialB[k * cols + c], &cb);
    }
    if (wantWeight) {
        dweight[dwOffset + c] = sw;
    }
    if (wantBias) {
        dbias[dbOffset + c] = sb;
    }
}

// Exact GELU: out = x * Phi(x), Phi the standard normal CDF via our erf / erfc (common.h).
// VW elements per work-item (float16 math for full chunks on CPU drivers). Launch: global
// ceil(n / VW).
KERNEL void geluForward(GLOBAL float* out, const int outOffset, GLOBAL const float* x, const int xOffset,
                        const int n) {
    int i = GLOBAL_ID(0) * VW;
    if (i >= n) {
        return;
    }
#ifdef VARIANT_CPU
    if (i + VW <= n) {
        VTYPE v = VLOAD(0, x + xOffset + i);
        VSTORE(v * normalCdfV(v), 0, out + outOffset + i);
        return;
    }
#endif
    int m = IMIN(VW, n - i);
    float v[VW];
    loadChunk(x + xOffset + i, 1, m, v);
    for (int e = 0; e < VW; e++) {
        v[e] = v[e] * normalCdf(v[e]);
    }
    storeChunk(out + outOffset + i, 1, m, v);
}

// dx = dy * (Phi(x) + x * phi(x)). VW elements per work-item. Launch: global ceil(n / VW).
KERNEL void geluBackward(GLOBAL float* dx, const int dxOffset, GLOBAL const float* dy, const int dyOffset,
                         GLOBAL const float* x, const int xOffset, const int n) {
    int i = GLOBAL_ID(0) * VW;
    if (i >= n) {
        return;
    }
#ifdef VARIANT_CPU
    if (i + VW <= n) {
        VTYPE v = VLOAD(0, x + xOffset + i);
        VTYPE g = VLOAD(0, dy + dyOffset + i);
        VSTORE(g * (normalCdfV(v) + v * normalPdfV(v)), 0, dx + dxOffset + i);
        return;
    }
#endif
    int m = IMIN(VW, n - i);
    float v[VW];
    float g[VW];
    loadChunk(x + xOffset + i, 1, m, v);
    loadChunk(dy + dyOffset + i, 1, m, g);
    for (int e = 0; e < VW; e++) {
        g[e] = g[e] * (normalCdf(v[e]) + v[e] * normalPdf(v[e]));
    }
    storeChunk(dx + dxOffset + i, 1, m, g);
}
