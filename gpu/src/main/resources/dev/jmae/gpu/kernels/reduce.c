// Reductions over arbitrary dims of a strided tensor: sum (mean = sum / n), max, min, the sum of
// squared deviations from a per-output center (variance), and argmax.
//
// Geometry: "outer" (a Strided over the keepDim output shape; operands 0 = output, 1 = x,
// 2 = center) enumerates outputs, "inner" (a Strided over the reduced dims; operand 0 = x, offset
// 0) enumerates the elements of one output's slice. Launch shapes:
//   reduceRows      one work-item per output, a sequential Kahan loop over the slice;
//   reduce          (GPUs) one work-group per (output, chunk), lanes striding over the chunk,
//                   then a tree over the work-group;
//   reduceVector    (OpenCL CPU drivers) one work-item per (output, chunk) of a contiguous slice, in
//                   float16 lanes;
//   reduceColumns   (OpenCL CPU drivers) 16 neighbouring outputs per work-item, one vector lane each;
//   reduceFinish    with several chunks the above write partials[output * chunks + chunk], and
//                   this combines them in chunk order.
// Local memory: reduce takes scratch [GROUP_SIZE(0)] floats; argmax values and indices
// [GROUP_SIZE(0)] each (CUDA: dynamic shared memory of 4 and 8 bytes per thread).
// The host picks the shape from sizes and strides only, so the summation order (and the result)
// is reproducible run to run.
//
// Kernels are generated per op (reduceRowsSum, reduceMax, reduceFinishSqdev, ...), so the inner
// loops carry no op switch:
//   INIT         the accumulator's start value
//   STEP(a, v)   folds element v in (c is the center for Sqdev; comp the Kahan compensation)
//   STATE        declares what STEP uses besides the accumulator (comp; c and comp for Sqdev)
//   COMBINE      merges two partial results (the tree, lanes, and reduceFinish)
//   FINAL_DIV    whether the stored value is divided by `divisor` (Sum: 1 or n; Sqdev: n - correction)

#define SUM_STEP(acc, v) acc = kahanAdd(acc, v, &comp)
#define SQDEV_STEP(acc, v) { float d_ = (v) - c; acc = kahanAdd(acc, d_ * d_, &comp); }
#define MAX_STEP(acc, v) acc = javaMax(acc, v)
#define MIN_STEP(acc, v) acc = javaMin(acc, v)

#define REDUCE_KERNELS(NAME, INIT, STEP, COMBINE, FINAL_DIV, STATE) \
/* One work-item per output: out[outer.0] = reduction of x[outer.1 + inner.0] over the slice. */ \
KERNEL void reduceRows##NAME(GLOBAL float* out, GLOBAL const float* x, GLOBAL const float* center, \
                             const Strided outer, const Strided inner, const float divisor) { \
    int idx = GLOBAL_ID(0); \
    if (idx >= outer.numel) { \
        return; \
    } \
    int o[3]; \
    stridedOffsets(outer, idx, 3, o); \
    float acc = INIT; \
    STATE \
    int n = inner.numel; \
    if (inner.rank <= 1) { \
        int s = inner.rank == 0 ? 0 : inner.stride[0][0]; \
        GLOBAL const float* p = x + o[1]; \
        for (int i = 0; i < n; i++) { \
            STEP(acc, p[i * s]); \
        } \
    } else { \
        for (int i = 0; i < n; i++) { \
            STEP(acc, x[o[1] + stridedOffset(inner, i, 0)]); \
        } \
    } \
    out[o[0]] = FINAL_DIV ? acc / divisor : acc; \
} \
/* One work-group per (output, chunk); with chunks > 1 writes raw partials to dst[group]. */ \
KERNEL void reduce##NAME(GLOBAL float* dst, GLOBAL const float* x, GLOBAL const float* center, const Strided outer, \
                         const Strided inner, const int chunkLen, const int chunks, const float divisor \
                         LOCAL_ARG(float, scratch)) { \
    LOCAL_BIND(float, scratch, 0); \
    int g = GROUP_ID(0); \
    int outIdx = g / chunks; \
    int chunk = g - outIdx * chunks; \
    int lid = THREAD_ID(0); \
    int lanes = GROUP_SIZE(0); \
    int o[3]; \
    stridedOffsets(outer, outIdx, 3, o); \
    int begin = chunk * chunkLen; \
    int end = IMIN(inner.numel, begin + chunkLen); \
    float acc = INIT; \
    STATE \
    if (inner.rank <= 1) { \
        int s = inner.rank == 0 ? 0 : inner.stride[0][0]; \
        for (int i = begin + lid; i < end; i += lanes) { \
            STEP(acc, x[o[1] + i * s]); \
        } \
    } else { \
        for (int i = begin + lid; i < end; i += lanes) { \
            STEP(acc, x[o[1] + stridedOffset(inner, i, 0)]); \
        } \
    } \
    scratch[lid] = acc; \
    BARRIER(); \
    for (int span = lanes >> 1; span > 0; span >>= 1) { \
        if (lid < span) { \
            scratch[lid] = COMBINE(scratch[lid], scratch[lid + span]); \
        } \
        BARRIER(); \
    } \
    if (lid == 0) { \
        if (chunks == 1) { \
            dst[o[0]] = FINAL_DIV ? scratch[0] / divisor : scratch[0]; \
        } else { \
            dst[g] = scratch[0]; \
        } \
    } \
} \
/* One work-item per output: combines partials[idx * chunks + k] for k = 0, 1, ... in order. */ \
KERNEL void reduceFinish##NAME(GLOBAL float* out, GLOBAL const float* partials, const Strided outer, \
                               const int chunks, const float divisor) { \
    int idx = GLOBAL_ID(0); \
    if (idx >= outer.numel) { \
        return; \
    } \
    float acc = INIT; \
    float comp = 0.0f; \
    for (int k = 0; k < chunks; k++) { \
        float v = partials[idx * chunks + k]; \
        acc = FINAL_DIV ? kahanAdd(acc, v, &comp) : COMBINE(acc, v); \
    } \
    out[stridedOffset(outer, idx, 0)] = FINAL_DIV ? acc / divisor : acc; \
}

#define ADD(a, b) ((a) + (b))

// The state a STEP uses besides acc: the Kahan compensation, and Sqdev's center.
#define SUM_STATE float comp = 0.0f;
#define SQDEV_STATE float c = center[o[2]]; float comp = 0.0f;
#define NO_STATE

REDUCE_KERNELS(Sum, 0.0f, SUM_STEP, ADD, 1, SUM_STATE)
REDUCE_KERNELS(Sqdev, 0.0f, SQDEV_STEP, ADD, 1, SQDEV_STATE)
REDUCE_KERNELS(Max, -INFINITY, MAX_STEP, javaMax, 0, NO_STATE)
REDUCE_KERNELS(Min, INFINITY, MIN_STEP, javaMin, 0, NO_STATE)

#ifdef VARIANT_CPU

// ---- OpenCL, CPU drivers only: explicit float16 vectors (PoCL does not vectorize work-item loops
// with inner loops) ----

#define SUM_STEPV(acc, v) { float16 y_ = (v) - compv; float16 t_ = acc + y_; compv = (t_ - acc) - y_; acc = t_; }
#define SQDEV_STEPV(acc, v) { float16 d_ = (v) - cv; SUM_STEPV(acc, d_ * d_) }
#define MAX_STEPV(acc, v) acc = javaMaxV(acc, v)
#define MIN_STEPV(acc, v) acc = javaMinV(acc, v)

#define REDUCE_VECTOR_KERNELS(NAME, INIT, STEP, STEPV, COMBINE, FINAL_DIV) \
/* One work-item per (output, chunk) of a slice that is contiguous (inner stride 1): float16 */ \
/* accumulators over the chunk, then the 16 lanes in order. With chunks > 1 writes partials. */ \
kernel void reduceVector##NAME(global float* dst, global const float* x, global const float* center, \
                               const Strided outer, const int count, const int chunkLen, const int chunks, \
                               const float divisor) { \
    int g = get_global_id(0); \
    int outIdx = g / chunks; \
    if (outIdx >= outer.numel) { \
        return; \
    } \
    int chunk = g - outIdx * chunks; \
    int o[3]; \
    stridedOffsets(outer, outIdx, 3, o); \
    float c = center[o[2]]; \
    float16 cv = (float16) (c); \
    int begin = chunk * chunkLen; \
    int end = min(count, begin + chunkLen); \
    global const float* p = x + o[1]; \
    float16 accv = (float16) (INIT); \
    float16 compv = (float16) (0.0f); \
    int i = begin; \
    for (; i + 16 <= end; i += 16) { \
        STEPV(accv, vload16(0, p + i)); \
    } \
    float acc = INIT; \
    float comp = 0.0f; \
    float lanes[16]; \
    vstore16(accv, 0, lanes); \
    for (int l = 0; l < 16; l++) { \
        acc = COMBINE(acc, lanes[l]); \
    } \
    for (; i < end; i++) { \
        STEP(acc, p[i]); \
    } \
    if (chunks == 1) { \
        dst[o[0]] = FINAL_DIV ? acc / divisor : acc; \
    } else { \
        dst[g] = acc; \
    } \
} \
/* 16 neighbouring outputs per work-item (the row-chunks of `outer`, whose row stride is 1 for */ \
/* out, x and center): float16 accumulators over the common slice, one lane per output. */ \
kernel void reduceColumns##NAME(global float* out, global const float* x, global const float* center, \
                                const Strided outer, const Strided inner, const float divisor) { \
    int o[3]; \
    int j0 = rowChunk(outer, get_global_id(0), 3, o); \
    if (j0 < 0) { \
        return; \
    } \
    int n = chunkLength(outer, j0); \
    int count = inner.numel; \
    if (n == 16) { \
        float16 cv = vload16(0, center + o[2]); \
        float16 accv = (float16) (INIT); \
        float16 compv = (float16) (0.0f); \
        for (int i = 0; i < count; i++) { \
            int io = inner.rank <= 1 ? i * (inner.rank == 0 ? 0 : inner.stride[0][0]) : stridedOffset(inner, i, 0); \
            STEPV(accv, vload16(0, x + o[1] + io)); \
        } \
        VSTORE(FINAL_DIV ? accv / divisor : accv, 0, out + o[0]); \
    } else { \
        for (int e = 0; e < n; e++) { \
            float c = center[o[2] + e]; \
            float acc = INIT; \
            float comp = 0.0f; \
            for (int i = 0; i < count; i++) { \
                int io = inner.rank <= 1 ? i * (inner.rank == 0 ? 0 : inner.stride[0][0]) : stridedOffset(inner, i, 0); \
                STEP(acc, x[o[1] + e + io]); \
            } \
            out[o[0] + e] = FINAL_DIV ? acc / divisor : acc; \
        } \
    } \
}

REDUCE_VECTOR_KERNELS(Sum, 0.0f, SUM_STEP, SUM_STEPV, ADD, 1)
REDUCE_VECTOR_KERNELS(Sqdev, 0.0f, SQDEV_STEP, SQDEV_STEPV, ADD, 1)
REDUCE_VECTOR_KERNELS(Max, -INFINITY, MAX_STEP, MAX_STEPV, javaMax, 0)
REDUCE_VECTOR_KERNELS(Min, INFINITY, MIN_STEP, MIN_STEPV, javaMin, 0)

#endif

// argmax: NaN counts as largest, the first index wins ties. (value, index) pairs combine with
// "better": a NaN beats a number, a larger value beats a smaller one, else the smaller index.
DEVICE int argBetter(float va, int ia, float vb, int ib) {
    int na = IS_NAN(va);
    int nb = IS_NAN(vb);
    if (na || nb) {
        return na && nb ? ia < ib : na;
    }
    return va > vb || (va == vb && ia < ib);
}

// One work-item per output: out[outer.0] = argmax over i < size of x[outer.1 + i * stride].
KERNEL void argmaxRows(GLOBAL float* out, GLOBAL const float* x, const Strided outer, const int size,
                       const int stride) {
    int idx = GLOBAL_ID(0);
    if (idx >= outer.numel) {
        return;
    }
    int o[2];
    stridedOffsets(outer, idx, 2, o);
    int best = 0;
    float bestValue = x[o[1]];
    for (int i = 1; i < size; i++) {
        float v = x[o[1] + i * stride];
        if (!IS_NAN(bestValue) && (IS_NAN(v) || v > bestValue)) {
            best = i;
            bestValue = v;
        }
    }
    out[o[0]] = (float) best;
}

// One work-group per output, lanes striding over the dim, then a tree over (value, index).
KERNEL void argmax(GLOBAL float* out, GLOBAL const float* x, const Strided outer, const int size, const int stride
                   LOCAL_ARG(float, values) LOCAL_ARG(int, indices)) {
    LOCAL_BIND(float, values, 0);
    LOCAL_BIND(int, indices, GROUP_SIZE(0));
    int g = GROUP_ID(0);
    int lid = THREAD_ID(0);
    int lanes = GROUP_SIZE(0);
    int o[2];
    stridedOffsets(outer, g, 2, o);
    int best = -1;
    float bestValue = 0.0f;
    for (int i = lid; i < size; i += lanes) {
        float v = x[o[1] + i * stride];
        if (best < 0 || argBetter(v, i, bestValue, best)) {
            best = i;
            bestValue = v;
        }
    }
    values[lid] = bestValue;
    indices[lid] = best;
    BARRIER();
    for (int span = lanes >> 1; span > 0; span >>= 1) {
        if (lid < span) {
            int ib = indices[lid + span];
            if (ib >= 0 && (indices[lid] < 0 || argBetter(values[lid + span], ib, values[lid], indices[lid]))) {
                values[lid] = values[lid + span];
                indices[lid] = ib;
            }
        }
        BARRIER();
    }
    if (lid == 0) {
        out[o[0]] = (float) indices[0];
    }
}
