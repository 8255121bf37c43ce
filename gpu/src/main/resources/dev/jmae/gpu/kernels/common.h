// Shared definitions of every jmae kernel program, after the target's prelude (prelude_opencl.h or
// prelude_cuda.h) and before one family source. Written in the shared dialect (see the preludes);
// the sections under VARIANT_CPU are OpenCL-only (explicit float16 code for CPU drivers).
//
// A Strided value describes up to MAX_OPS same-shape operands of up to MAX_RANK (merged) dims:
// element i (row-major over size[]) of operand k lives at offset[k] + sum_d idx_d * stride[k][d].
// The host builds it with size-1 dims dropped and contiguous neighbours merged, so rank is
// usually 1 to 3; it splits anything above MAX_RANK into several launches.
//
// By-value structs are plain arrays of 4-byte ints or floats (no vector types: CUDA has no
// int8/float8, and OpenCL aligns int4/float8 arguments to their size), so both targets lay them
// out the same way: 4-byte aligned, no padding, fields in declaration order.

#define MAX_RANK 8
#define MAX_OPS 4

// Elements per work-item of the chunked elementwise kernels: 16 (one float16, one AVX-512
// register) on CPU drivers, whose work-item loops do not vectorize calls such as exp; 4 in the
// shared GPU-style kernels (load4/store4: one 16-byte access when aligned).
#ifdef VARIANT_CPU
#define VW 16
#define VTYPE float16
#define VLOAD vload16
#define VSTORE vstore16
#else
#define VW 4
#endif

// 184 bytes: ints rank, numel, size[8], stride[4][8], offset[4] (StridedPlan.structs packs it).
typedef struct {
    int rank;
    int numel;
    int size[MAX_RANK];
    int stride[MAX_OPS][MAX_RANK];
    int offset[MAX_OPS];
} Strided;

// Four ints (e.g. offsets or sizes), 16 bytes.
typedef struct {
    int v[4];
} Ints4;

// Eight ints, 32 bytes.
typedef struct {
    int v[8];
} Ints8;

// Eight floats, 32 bytes.
typedef struct {
    float v[8];
} Floats8;

// A [B, H, T, Dh] view with a contiguous last dim: element (b, h, i, c) at
// offset + b*sb + h*sh + i*st + c. 16 bytes: ints offset, sb, sh, st.
typedef struct {
    int offset;
    int sb;
    int sh;
    int st;
} Heads;

DEVICE int rowAt(const Heads t, int b, int h, int i) {
    return t.offset + b * t.sb + h * t.sh + i * t.st;
}

// Offsets of element i in the first nops operands of L.
DEVICE void stridedOffsets(const Strided L, int i, int nops, int* o) {
    for (int k = 0; k < nops; k++) {
        o[k] = L.offset[k];
    }
    for (int d = L.rank - 1; d >= 0; d--) {
        int sz = L.size[d];
        int idx = d == 0 ? i : i % sz;
        i = d == 0 ? 0 : i / sz;
        for (int k = 0; k < nops; k++) {
            o[k] += idx * L.stride[k][d];
        }
    }
}

// Row-chunk geometry of the elementwise kernels: the last merged dim is the "row"; work-item g
// handles elements [c * VW, c * VW + VW) of row r, with r = g / chunks, c = g % chunks and
// chunks = ceil(rowLength / VW). Writes each operand's offset of element (r, c * VW) to o and
// returns the first element index in the row (c * VW), or -1 when g is past the end.
DEVICE int rowChunk(const Strided L, int g, int nops, int* o) {
    if (L.numel == 0) {
        return -1;
    }
    int len = L.rank == 0 ? 1 : L.size[L.rank - 1];
    int chunks = (len + VW - 1) / VW;
    int r = g / chunks;
    int j0 = (g - r * chunks) * VW;
    if (r >= L.numel / len) {
        return -1;
    }
    for (int k = 0; k < nops; k++) {
        o[k] = L.offset[k];
    }
    for (int d = L.rank - 2; d >= 0; d--) {
        int sz = L.size[d];
        int idx = d == 0 ? r : r % sz;
        r = d == 0 ? 0 : r / sz;
        for (int k = 0; k < nops; k++) {
            o[k] += idx * L.stride[k][d];
        }
    }
    for (int k = 0; k < nops; k++) {
        o[k] += j0 * (L.rank == 0 ? 0 : L.stride[k][L.rank - 1]);
    }
    return j0;
}

// Inner (row) stride of operand k.
DEVICE int rowStride(const Strided L, int k) {
    return L.rank == 0 ? 0 : L.stride[k][L.rank - 1];
}

// Number of valid elements of the chunk starting at j0 (VW or fewer at the row's end).
DEVICE int chunkLength(const Strided L, int j0) {
    int len = L.rank == 0 ? 1 : L.size[L.rank - 1];
    return IMIN(VW, len - j0);
}

// The n <= VW chunk elements p[e * s] into v, zeros after them (for VW = 4, dense and full: one
// load4). The loops run to the constant VW so that CUDA keeps v in registers.
DEVICE void loadChunk(const GLOBAL float* p, int s, int n, float* v) {
#ifndef VARIANT_CPU
    if (n == 4 && s == 1) {
        load4(p, v);
        return;
    }
#endif
    for (int e = 0; e < VW; e++) {
        v[e] = e < n ? p[e * s] : 0.0f;
    }
}

DEVICE void storeChunk(GLOBAL float* p, int s, int n, const float* v) {
#ifndef VARIANT_CPU
    if (n == 4 && s == 1) {
        store4(p, v);
        return;
    }
#endif
    for (int e = 0; e < VW; e++) {
        if (e < n) {
            p[e * s] = v[e];
        }
    }
}

// Offset of element i in operand k only.
DEVICE int stridedOffset(const Strided L, int i, int k) {
    int o = L.offset[k];
    for (int d = L.rank - 1; d >= 0; d--) {
        int sz = L.size[d];
        int idx = d == 0 ? i : i % sz;
        i = d == 0 ? 0 : i / sz;
        o += idx * L.stride[k][d];
    }
    return o;
}

// Java's Math.max/Math.min semantics: NaN wins, and +0 > -0.
DEVICE float javaMax(float a, float b) {
    if (IS_NAN(a) || IS_NAN(b)) {
        return NAN;
    }
    if (a == 0.0f && b == 0.0f) {
        return SIGN_BIT(a) ? b : a;
    }
    return a >= b ? a : b;
}

DEVICE float javaMin(float a, float b) {
    if (IS_NAN(a) || IS_NAN(b)) {
        return NAN;
    }
    if (a == 0.0f && b == 0.0f) {
        return SIGN_BIT(a) ? a : b;
    }
    return a <= b ? a : b;
}

// Kahan-compensated accumulation: sum + v with the lost low bits kept in *comp. The programs are
// built without fast-math options, so the compiler may not reassociate this away.
DEVICE float kahanAdd(float sum, float v, float* comp) {
    float y = v - *comp;
    float t = sum + y;
    *comp = (t - sum) - y;
    return t;
}

// Tree reduction of one float per work-item over a power-of-two work-group (scratch holds
// GROUP_SIZE(0) floats). Ends with every work-item able to read scratch[0]. The order of
// additions depends only on the work-group size, so results are reproducible run to run.
#define TREE_SUM 0
#define TREE_MAX 1
DEVICE float treeReduce(LOCAL float* scratch, float v, int kind) {
    int lid = THREAD_ID(0);
    int n = GROUP_SIZE(0);
    scratch[lid] = v;
    BARRIER();
    for (int span = n >> 1; span > 0; span >>= 1) {
        if (lid < span) {
            float a = scratch[lid];
            float b = scratch[lid + span];
            scratch[lid] = kind == TREE_SUM ? a + b : javaMax(a, b);
        }
        BARRIER();
    }
    float r = scratch[0];
    BARRIER();
    return r;
}

// ---- error function, float32, own polynomial fits (fitted by gpu/tools/erf_fit.py) ----

// erfc(t) for t >= 1: exp(-t^2) * q(t), with t^2 split into hi + lo so that the rounding of t*t
// does not leak into the exponential. q is a least-squares fit to erfc(t)e^{t^2} on [1, 2.5]
// (degree 10 in t - 1.75) and to t*erfc(t)e^{t^2} on [2.5, 10.5] (degree 10 in 1/t - 0.25).
// Measured error: at most 4 ulp (float32 emulation against mpmath); 0 beyond t = 10.5.
DEVICE float erfcLarge(float t) {
    if (t > 10.5f) {
        return 0.0f;
    }
    float hi = t * t;
    float lo = fmaf(t, t, -hi);
    float e = expf(-hi) * (1.0f - lo);
    float q;
    if (t < 2.5f) {
        float u = t - 1.75f;
        q = 1.115888790e-05f;
        q = fmaf(q, u, -3.861607547e-05f);
        q = fmaf(q, u, 1.091388258e-04f);
        q = fmaf(q, u, -3.407559416e-04f);
        q = fmaf(q, u, 1.039193710e-03f);
        q = fmaf(q, u, -3.021658165e-03f);
        q = fmaf(q, u, 8.404340595e-03f);
        q = fmaf(q, u, -2.225992642e-02f);
        q = fmaf(q, u, 5.576362833e-02f);
        q = fmaf(q, u, -1.309763491e-01f);
        q = fmaf(q, u, 2.849722207e-01f);
    } else {
        float r = 1.0f / t;
        float u = r - 0.25f;
        q = -4.052900672e-01f;
        q = fmaf(q, u, 1.335070610e+00f);
        q = fmaf(q, u, -7.281246185e-01f);
        q = fmaf(q, u, -9.442187101e-02f);
        q = fmaf(q, u, 4.113958180e-01f);
        q = fmaf(q, u, -2.727995515e-01f);
        q = fmaf(q, u, -2.808818594e-02f);
        q = fmaf(q, u, 2.195131481e-01f);
        q = fmaf(q, u, -1.677861810e-01f);
        q = fmaf(q, u, -1.194469333e-01f);
        q = fmaf(q, u, 5.479978323e-01f);
        q *= r;
    }
    return e * q;
}

// erf(x) for |x| < 1: x + x*p(x^2), p a degree-6 least-squares fit of erf(x)/x - 1 (relative
// fit error 1.4e-9). Measured error: at most 1 ulp.
DEVICE float erfSmall(float x) {
    float s = x * x;
    float p = 7.898209878e-05f;
    p = fmaf(p, s, -8.024353883e-04f);
    p = fmaf(p, s, 5.190053489e-03f);
    p = fmaf(p, s, -2.685480937e-02f);
    p = fmaf(p, s, 1.128361225e-01f);
    p = fmaf(p, s, -3.761262894e-01f);
    p = fmaf(p, s, 1.283791661e-01f);
    return fmaf(x, p, x);
}

// The error function, float32, within 1 ulp everywhere (measured; gpu/tools/erf_fit.py). It does
// not use the built-in erf, whose accuracy varies by driver within a loose bound of the spec.
DEVICE float erfAccurate(float x) {
    if (IS_NAN(x)) {
        return x;
    }
    float t = fabsf(x);
    if (t < 1.0f) {
        return erfSmall(x);
    }
    return copysignf(1.0f - erfcLarge(t), x);
}

// The standard normal CDF Phi(x) = (1 + erf(x/sqrt 2))/2, computed through erfc in the lower
// tail so that small probabilities keep their relative accuracy.
DEVICE float normalCdf(float x) {
    float z = x * 0.70710678118654752f;
    float t = fabsf(z);
    if (t < 1.0f) {
        return 0.5f + 0.5f * erfSmall(z);
    }
    float c = 0.5f * erfcLarge(t);
    return z < 0.0f ? c : 1.0f - c;
}

// The standard normal density phi(x) = expf(-x^2/2)/sqrt(2 pi), with x^2 split like erfcLarge.
DEVICE float normalPdf(float x) {
    if (!(fabsf(x) < 20.0f)) {
        return IS_NAN(x) ? x : 0.0f;
    }
    float hi = x * x;
    float lo = fmaf(x, x, -hi);
    return 0.39894228040143268f * expf(-0.5f * hi) * (1.0f - 0.5f * lo);
}

#ifdef VARIANT_CPU

// ---- OpenCL, CPU drivers only: the same functions on float16 (branches become selects) ----

inline VTYPE javaMaxV(VTYPE a, VTYPE b) {
    VTYPE r = select(b, a, a >= b);
    r = select(r, select(a, b, signbit(a)), (a == 0.0f) & (b == 0.0f));
    return select(r, (VTYPE) (NAN), isnan(a) | isnan(b));
}

inline VTYPE javaMinV(VTYPE a, VTYPE b) {
    VTYPE r = select(b, a, a <= b);
    r = select(r, select(b, a, signbit(a)), (a == 0.0f) & (b == 0.0f));
    return select(r, (VTYPE) (NAN), isnan(a) | isnan(b));
}

inline VTYPE erfcLargeV(VTYPE t) {
    VTYPE tc = fmin(t, (VTYPE) (10.5f));
    VTYPE hi = tc * tc;
    VTYPE lo = fma(tc, tc, -hi);
    VTYPE e = exp(-hi) * (1.0f - lo);
    VTYPE u = tc - 1.75f;
    VTYPE q1 = (VTYPE) (1.115888790e-05f);
    q1 = fma(q1, u, -3.861607547e-05f);
    q1 = fma(q1, u, 1.091388258e-04f);
    q1 = fma(q1, u, -3.407559416e-04f);
    q1 = fma(q1, u, 1.039193710e-03f);
    q1 = fma(q1, u, -3.021658165e-03f);
    q1 = fma(q1, u, 8.404340595e-03f);
    q1 = fma(q1, u, -2.225992642e-02f);
    q1 = fma(q1, u, 5.576362833e-02f);
    q1 = fma(q1, u, -1.309763491e-01f);
    q1 = fma(q1, u, 2.849722207e-01f);
    VTYPE r = 1.0f / tc;
    VTYPE w = r - 0.25f;
    VTYPE q2 = (VTYPE) (-4.052900672e-01f);
    q2 = fma(q2, w, 1.335070610e+00f);
    q2 = fma(q2, w, -7.281246185e-01f);
    q2 = fma(q2, w, -9.442187101e-02f);
    q2 = fma(q2, w, 4.113958180e-01f);
    q2 = fma(q2, w, -2.727995515e-01f);
    q2 = fma(q2, w, -2.808818594e-02f);
    q2 = fma(q2, w, 2.195131481e-01f);
    q2 = fma(q2, w, -1.677861810e-01f);
    q2 = fma(q2, w, -1.194469333e-01f);
    q2 = fma(q2, w, 5.479978323e-01f);
    q2 *= r;
    VTYPE res = e * select(q2, q1, tc < 2.5f);
    return select(res, (VTYPE) (0.0f), t > 10.5f);
}

inline VTYPE erfSmallV(VTYPE x) {
    VTYPE s = x * x;
    VTYPE p = (VTYPE) (7.898209878e-05f);
    p = fma(p, s, -8.024353883e-04f);
    p = fma(p, s, 5.190053489e-03f);
    p = fma(p, s, -2.685480937e-02f);
    p = fma(p, s, 1.128361225e-01f);
    p = fma(p, s, -3.761262894e-01f);
    p = fma(p, s, 1.283791661e-01f);
    return fma(x, p, x);
}

inline VTYPE erfAccurateV(VTYPE x) {
    VTYPE t = fabs(x);
    VTYPE large = copysign(1.0f - erfcLargeV(fmax(t, (VTYPE) (1.0f))), x);
    VTYPE r = select(large, erfSmallV(x), t < 1.0f);
    return select(r, x, isnan(x));
}

inline VTYPE normalCdfV(VTYPE x) {
    VTYPE z = x * 0.70710678118654752f;
    VTYPE t = fabs(z);
    VTYPE c = 0.5f * erfcLargeV(fmax(t, (VTYPE) (1.0f)));
    VTYPE tail = select(1.0f - c, c, z < 0.0f);
    VTYPE r = select(tail, 0.5f + 0.5f * erfSmallV(z), t < 1.0f);
    return select(r, x, isnan(x));
}

inline VTYPE normalPdfV(VTYPE x) {
    VTYPE xc = fmin(fabs(x), (VTYPE) (20.0f));
    VTYPE hi = xc * xc;
    VTYPE lo = fma(xc, xc, -hi);
    VTYPE r = 0.39894228040143268f * exp(-0.5f * hi) * (1.0f - 0.5f * lo);
    r = select(r, (VTYPE) (0.0f), fabs(x) >= 20.0f);
    return select(r, x, isnan(x));
}

#endif
