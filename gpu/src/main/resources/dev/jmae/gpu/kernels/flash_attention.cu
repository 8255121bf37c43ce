// CUDA only: fused scaled dot-product attention on tensor cores (TF32 mma.sync, fp32 accumulation),
// flash-attention style (FlashAttention-2: Dao 2023), forward and backward, for head dims up to 64.
// The shared SIMT kernels of attention.c are the fallback (other head dims, strict fp32) and the
// on-device reference. Compiled after prelude_cuda.h and common.h.
//
// Same arguments, tensors and results as attention.c's kernels (minus their local-memory
// arguments; dims.v[0] and dims.v[1] are ignored here): [B, H, T, Dh] views described by Heads,
// lse [B, H, M] at dims.v[2] + bh*M + i (natural log), delta [B, H, M] contiguous (from
// attention.c's attentionBackwardDelta). Every output element is written by one thread, with sums
// in a fixed order: results are deterministic (no atomics).
//
// Kernels (the suffix is the head-dim capacity D; a launch needs sizes.v[3] = Dh <= D, and Dh
// <= 32 should take the 32 version, which does half the work; columns past Dh are zero-padded):
//   flashAttentionForward{32,64}        block 128 threads (4 warps x 16 query rows), grid
//                                       (ceil(M / 64), B*H); key tiles of 64.
//   flashAttentionBackwardDq{32,64}     block 128 (4 warps x 16 query rows), grid (ceil(M / 64),
//                                       B*H); key tiles of 32.
//   flashAttentionBackwardDkDv{32,64}   block 128 (4 warps x 16 key rows), grid (ceil(N / 64),
//                                       B*H); query tiles of 32.
// No dynamic shared memory; static shared memory 2 x 64 x (D + 4) floats (+ 2 x 32 floats in
// DkDv). grid.y = B*H must stay <= 65535.
//
// Why inline PTX mma.sync rather than nvcuda::wmma: the online softmax works on the score
// accumulators in registers (row max and sum across the 4 threads of a quad, rescaling, then
// reusing them as the A operand of P.V). mma.sync's fragment layouts are documented (PTX ISA,
// "Matrix fragments for mma.m16n8k8" with .tf32), WMMA's are opaque and would force a round trip
// through shared memory. Layout of m16n8k8 .tf32 for lane = 4*g + t (g = lane / 4, t = lane % 4):
//   A (16x8, row):  a0 = A[g][t], a1 = A[g+8][t], a2 = A[g][t+4], a3 = A[g+8][t+4]
//   B (8x8, col):   b0 = B[t][g], b1 = B[t+4][g]
//   C, D (16x8):    c0 = C[g][2t], c1 = C[g][2t+1], c2 = C[g+8][2t], c3 = C[g+8][2t+1]
// A score tile S (C layout) becomes the A operand of the next product without shuffles by
// numbering the 8 keys of a k-step so that A's column t is key 2t and column t+4 is key 2t+1:
// A = {c0, c2, c1, c3}, and the B operand's rows are read in the same order (b0 from key 2t, b1
// from key 2t+1).
//
// Precision: operands are rounded to TF32 (cvt.rna, 10-bit mantissa) like cuBLAS's TF32 mode, so
// these kernels serve the `high` matmul precision; `highest` takes the SIMT kernels. Softmax
// exponentials are exp2f in the log2 domain.
//
// JMAE_EMULATE (defined only by the CPU emulation test, FlashAttentionEmulationTest) replaces the
// two PTX instructions with functions of the emulator, which runs each block on host threads.

#define FLASH_THREADS 128
// At least two blocks per SM: lets ptxas use up to 255 registers (65536 / 256 threads); without it,
// sm_90's heuristic capped flashAttentionBackwardDq64 at 168 registers and spilled.
#define FLASH_MIN_BLOCKS 2
#define FLASH_LOG2E 1.4426950408889634f
#define FLASH_LN2 0.6931471805599453f

// x rounded to TF32 (round to nearest, ties away from zero), as the bits mma.sync's .tf32 reads.
DEVICE unsigned toTf32(float x) {
#ifdef JMAE_EMULATE
    return emuToTf32(x);
#else
    unsigned r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
#endif
}

// d += A.B for one m16n8k8 tile (warp-collective: all 32 lanes call it together).
DEVICE void mmaTf32(float* d, const unsigned* a, unsigned b0, unsigned b1) {
#ifdef JMAE_EMULATE
    emuMmaTf32(d, a, b0, b1);
#else
    asm("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#endif
}

// Max and sum over the 4 lanes of a quad (lanes 4g .. 4g+3), which hold one row's values.
DEVICE float quadMax(float v) {
    v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 1));
    return fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 2));
}

DEVICE float quadSum(float v) {
    v += __shfl_xor_sync(0xffffffffu, v, 1);
    return v + __shfl_xor_sync(0xffffffffu, v, 2);
}

// dst[r * (D + 4) + c] = row r0 + r of t for r < nr and c < Dh, else 0; ROWS x D floats, by all
// FLASH_THREADS threads, consecutive threads on consecutive columns. The pitch D + 4 spreads both
// fragment read patterns (rows g, columns t / t+4; and rows 2t / 2t+1, columns g) over all 32 banks.
template <int D, int ROWS>
DEVICE void flashStage(float* dst, const float* src, const Heads t, int b, int h, int r0, int nr, int Dh) {
    for (int e = THREAD_ID(0); e < ROWS * D; e += FLASH_THREADS) {
        int r = e / D;
        int c = e - r * D;
        dst[r * (D + 4) + c] = r < nr && c < Dh ? src[rowAt(t, b, h, r0 + r) + c] : 0.0f;
    }
}

// The A fragments (16 rows from row0, all D columns) of a staged [rows][D + 4] tile.
template <int D>
DEVICE void flashFragments(unsigned (*f)[4], const float* s, int row0, int g, int t) {
#pragma unroll
    for (int ks = 0; ks < D / 8; ks++) {
        f[ks][0] = toTf32(s[(row0 + g) * (D + 4) + ks * 8 + t]);
        f[ks][1] = toTf32(s[(row0 + g + 8) * (D + 4) + ks * 8 + t]);
        f[ks][2] = toTf32(s[(row0 + g) * (D + 4) + ks * 8 + t + 4]);
        f[ks][3] = toTf32(s[(row0 + g + 8) * (D + 4) + ks * 8 + t + 4]);
    }
}

// acc[nt] += A . X^T for NT column tiles of 8 rows of a staged [rows][D + 4] tile X: the scores of
// 16 rows (A fragments over D) against NT*8 staged rows.
template <int D, int NT>
DEVICE void flashScores(float (*acc)[4], unsigned (*a)[4], const float* x, int g, int t) {
#pragma unroll
    for (int nt = 0; nt < NT; nt++) {
        acc[nt][0] = 0.0f;
        acc[nt][1] = 0.0f;
        acc[nt][2] = 0.0f;
        acc[nt][3] = 0.0f;
#pragma unroll
        for (int ks = 0; ks < D / 8; ks++) {
            unsigned b0 = toTf32(x[(nt * 8 + g) * (D + 4) + ks * 8 + t]);
            unsigned b1 = toTf32(x[(nt * 8 + g) * (D + 4) + ks * 8 + t + 4]);
            mmaTf32(acc[nt], a[ks], b0, b1);
        }
    }
}

// out[dt] += W . Y over KT k-steps of 8 staged rows of Y ([rows][D + 4]), W the KT score tiles in
// C layout (reused as A operands, key order 2t / 2t+1; see the header).
template <int D, int KT>
DEVICE void flashAccumulate(float (*out)[4], float (*w)[4], const float* y, int g, int t) {
#pragma unroll
    for (int kk = 0; kk < KT; kk++) {
        unsigned a[4];
        a[0] = toTf32(w[kk][0]);
        a[1] = toTf32(w[kk][2]);
        a[2] = toTf32(w[kk][1]);
        a[3] = toTf32(w[kk][3]);
#pragma unroll
        for (int dt = 0; dt < D / 8; dt++) {
            unsigned b0 = toTf32(y[(kk * 8 + 2 * t) * (D + 4) + dt * 8 + g]);
            unsigned b1 = toTf32(y[(kk * 8 + 2 * t + 1) * (D + 4) + dt * 8 + g]);
            mmaTf32(out[dt], a, b0, b1);
        }
    }
}

// Writes 16 rows (row0 + g, row0 + g + 8) of a C-layout accumulator [D / 8][4] times alpha, rows
// below `rows` and columns below Dh only.
template <int D>
DEVICE void flashStore(float* dst, const Heads L, int b, int h, int row0, int rows, int Dh, float (*acc)[4],
                       float alpha0, float alpha1, int g, int t) {
#pragma unroll
    for (int hh = 0; hh < 2; hh++) {
        int row = row0 + g + 8 * hh;
        if (row < rows) {
            int o = rowAt(L, b, h, row);
            float alpha = hh == 0 ? alpha0 : alpha1;
#pragma unroll
            for (int dt = 0; dt < D / 8; dt++) {
#pragma unroll
                for (int j = 0; j < 2; j++) {
                    int c = dt * 8 + 2 * t + j;
                    if (c < Dh) {
                        dst[o + c] = alpha * acc[dt][2 * hh + j];
                    }
                }
            }
        }
    }
}

template <int D>
DEVICE void flashForward(float* out, float* lse, const float* q, const float* k, const float* v, const Heads oL,
                         const Heads qL, const Heads kL, const Heads vL, const Ints4 sizes, const Ints4 dims,
                         const float scale) {
    const int BM = 64;
    const int BN = 64;
    LOCAL_ARRAY float ks[BN * (D + 4)];
    LOCAL_ARRAY float vs[BN * (D + 4)];
    const int H = sizes.v[0];
    const int M = sizes.v[1];
    const int N = sizes.v[2];
    const int Dh = sizes.v[3];
    const int lane = THREAD_ID(0) & 31;
    const int warp = THREAD_ID(0) >> 5;
    const int g = lane >> 2;
    const int t = lane & 3;
    const int bh = GROUP_ID(1);
    const int b = bh / H;
    const int h = bh - b * H;
    const int m0 = GROUP_ID(0) * BM;
    // the block's queries, staged through ks, kept as A fragments
    flashStage<D, BM>(ks, q, qL, b, h, m0, IMIN(BM, M - m0), Dh);
    BARRIER();
    unsigned qf[D / 8][4];
    flashFragments<D>(qf, ks, warp * 16, g, t);
    float o[D / 8][4];
#pragma unroll
    for (int dt = 0; dt < D / 8; dt++) {
        o[dt][0] = 0.0f;
        o[dt][1] = 0.0f;
        o[dt][2] = 0.0f;
        o[dt][3] = 0.0f;
    }
    // running max (log2 domain) and this thread's part of the running sum, for rows g and g + 8
    float mrow[2] = {-INFINITY, -INFINITY};
    float lrow[2] = {0.0f, 0.0f};
    const float scaleLog2 = scale * FLASH_LOG2E;
    for (int n0 = 0; n0 < N; n0 += BN) {
        int nb = IMIN(BN, N - n0);
        BARRIER();
        flashStage<D, BN>(ks, k, kL, b, h, n0, nb, Dh);
        flashStage<D, BN>(vs, v, vL, b, h, n0, nb, Dh);
        BARRIER();
        float s[BN / 8][4];
        flashScores<D, BN / 8>(s, qf, ks, g, t);
        float mx[2] = {-INFINITY, -INFINITY};
#pragma unroll
        for (int nt = 0; nt < BN / 8; nt++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                int key = nt * 8 + 2 * t + (e & 1);
                float x = key < nb ? s[nt][e] * scaleLog2 : -INFINITY;
                s[nt][e] = x;
                mx[e >> 1] = fmaxf(mx[e >> 1], x);
            }
        }
        float corr[2];
        float mUse[2];
#pragma unroll
        for (int hh = 0; hh < 2; hh++) {
            float mNew = fmaxf(mrow[hh], quadMax(mx[hh]));
            corr[hh] = mNew == mrow[hh] ? 1.0f : exp2f(mrow[hh] - mNew);
            mUse[hh] = mNew == -INFINITY ? 0.0f : mNew;
            mrow[hh] = mNew;
        }
        float rs[2] = {0.0f, 0.0f};
#pragma unroll
        for (int nt = 0; nt < BN / 8; nt++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                float p = exp2f(s[nt][e] - mUse[e >> 1]);
                s[nt][e] = p;
                rs[e >> 1] += p;
            }
        }
        lrow[0] = lrow[0] * corr[0] + rs[0];
        lrow[1] = lrow[1] * corr[1] + rs[1];
#pragma unroll
        for (int dt = 0; dt < D / 8; dt++) {
            o[dt][0] *= corr[0];
            o[dt][1] *= corr[0];
            o[dt][2] *= corr[1];
            o[dt][3] *= corr[1];
        }
        flashAccumulate<D, BN / 8>(o, s, vs, g, t);
    }
    float l0 = quadSum(lrow[0]);
    float l1 = quadSum(lrow[1]);
    int row0 = m0 + warp * 16;
    flashStore<D>(out, oL, b, h, row0, M, Dh, o, l0 == 0.0f ? 0.0f : 1.0f / l0, l1 == 0.0f ? 0.0f : 1.0f / l1, g, t);
    if (t == 0) {
        if (row0 + g < M) {
            lse[dims.v[2] + bh * M + row0 + g] = mrow[0] * FLASH_LN2 + logf(l0);
        }
        if (row0 + g + 8 < M) {
            lse[dims.v[2] + bh * M + row0 + g + 8] = mrow[1] * FLASH_LN2 + logf(l1);
        }
    }
}

template <int D>
DEVICE void flashBackwardDq(float* dq, const float* lse, const float* delta, const float* q, const float* k,
                            const float* v, const float* dout, const Heads dqL, const Heads qL, const Heads kL,
                            const Heads vL, const Heads doL, const Ints4 sizes, const Ints4 dims, const float scale) {
    const int BM = 64;
    const int BN = 32;
    LOCAL_ARRAY float ks[BM * (D + 4)];
    LOCAL_ARRAY float vs[BM * (D + 4)];
    const int H = sizes.v[0];
    const int M = sizes.v[1];
    const int N = sizes.v[2];
    const int Dh = sizes.v[3];
    const int lane = THREAD_ID(0) & 31;
    const int warp = THREAD_ID(0) >> 5;
    const int g = lane >> 2;
    const int t = lane & 3;
    const int bh = GROUP_ID(1);
    const int b = bh / H;
    const int h = bh - b * H;
    const int m0 = GROUP_ID(0) * BM;
    const int row0 = m0 + warp * 16;
    // q and dout of the block's queries, staged through ks and vs, kept as A fragments
    flashStage<D, BM>(ks, q, qL, b, h, m0, IMIN(BM, M - m0), Dh);
    flashStage<D, BM>(vs, dout, doL, b, h, m0, IMIN(BM, M - m0), Dh);
    BARRIER();
    unsigned qf[D / 8][4];
    unsigned df[D / 8][4];
    flashFragments<D>(qf, ks, warp * 16, g, t);
    flashFragments<D>(df, vs, warp * 16, g, t);
    float lseRow[2];
    float deltaRow[2];
#pragma unroll
    for (int hh = 0; hh < 2; hh++) {
        int row = row0 + g + 8 * hh;
        lseRow[hh] = row < M ? lse[dims.v[2] + bh * M + row] * FLASH_LOG2E : 0.0f;
        deltaRow[hh] = row < M ? delta[bh * M + row] : 0.0f;
    }
    float acc[D / 8][4];
#pragma unroll
    for (int dt = 0; dt < D / 8; dt++) {
        acc[dt][0] = 0.0f;
        acc[dt][1] = 0.0f;
        acc[dt][2] = 0.0f;
        acc[dt][3] = 0.0f;
    }
    const float scaleLog2 = scale * FLASH_LOG2E;
    for (int n0 = 0; n0 < N; n0 += BN) {
        int nb = IMIN(BN, N - n0);
        BARRIER();
        flashStage<D, BN>(ks, k, kL, b, h, n0, nb, Dh);
        flashStage<D, BN>(vs, v, vL, b, h, n0, nb, Dh);
        BARRIER();
        // P = exp(scale s - lse), 0 for keys past N; then dS = P (dP - delta)
        float s[BN / 8][4];
        flashScores<D, BN / 8>(s, qf, ks, g, t);
#pragma unroll
        for (int nt = 0; nt < BN / 8; nt++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                int key = nt * 8 + 2 * t + (e & 1);
                s[nt][e] = key < nb ? exp2f(s[nt][e] * scaleLog2 - lseRow[e >> 1]) : 0.0f;
            }
        }
        float dp[BN / 8][4];
        flashScores<D, BN / 8>(dp, df, vs, g, t);
#pragma unroll
        for (int nt = 0; nt < BN / 8; nt++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                s[nt][e] *= dp[nt][e] - deltaRow[e >> 1];
            }
        }
        flashAccumulate<D, BN / 8>(acc, s, ks, g, t);
    }
    flashStore<D>(dq, dqL, b, h, row0, M, Dh, acc, scale, scale, g, t);
}

template <int D>
DEVICE void flashBackwardDkDv(float* dk, float* dv, const float* lse, const float* delta, const float* q,
                              const float* k, const float* v, const float* dout, const Heads dkL, const Heads dvL,
                              const Heads qL, const Heads kL, const Heads vL, const Heads doL, const Ints4 sizes,
                              const Ints4 dims, const float scale) {
    const int BN = 64;
    const int BM = 32;
    LOCAL_ARRAY float qs[BN * (D + 4)];
    LOCAL_ARRAY float dos[BN * (D + 4)];
    LOCAL_ARRAY float lseTile[BM];
    LOCAL_ARRAY float deltaTile[BM];
    const int H = sizes.v[0];
    const int M = sizes.v[1];
    const int N = sizes.v[2];
    const int Dh = sizes.v[3];
    const int lane = THREAD_ID(0) & 31;
    const int warp = THREAD_ID(0) >> 5;
    const int g = lane >> 2;
    const int t = lane & 3;
    const int bh = GROUP_ID(1);
    const int b = bh / H;
    const int h = bh - b * H;
    const int n0 = GROUP_ID(0) * BN;
    // k and v of the block's keys, staged through qs and dos, kept as A fragments
    flashStage<D, BN>(qs, k, kL, b, h, n0, IMIN(BN, N - n0), Dh);
    flashStage<D, BN>(dos, v, vL, b, h, n0, IMIN(BN, N - n0), Dh);
    BARRIER();
    unsigned kf[D / 8][4];
    unsigned vf[D / 8][4];
    flashFragments<D>(kf, qs, warp * 16, g, t);
    flashFragments<D>(vf, dos, warp * 16, g, t);
    float dkAcc[D / 8][4];
    float dvAcc[D / 8][4];
#pragma unroll
    for (int dt = 0; dt < D / 8; dt++) {
#pragma unroll
        for (int e = 0; e < 4; e++) {
            dkAcc[dt][e] = 0.0f;
            dvAcc[dt][e] = 0.0f;
        }
    }
    const float scaleLog2 = scale * FLASH_LOG2E;
    for (int m0 = 0; m0 < M; m0 += BM) {
        int mb = IMIN(BM, M - m0);
        BARRIER();
        flashStage<D, BM>(qs, q, qL, b, h, m0, mb, Dh);
        flashStage<D, BM>(dos, dout, doL, b, h, m0, mb, Dh);
        for (int e = THREAD_ID(0); e < BM; e += FLASH_THREADS) {
            // queries past M get lse = +inf, hence P = 0 and dS = 0
            lseTile[e] = e < mb ? lse[dims.v[2] + bh * M + m0 + e] * FLASH_LOG2E : INFINITY;
            deltaTile[e] = e < mb ? delta[bh * M + m0 + e] : 0.0f;
        }
        BARRIER();
        // transposed scores: rows are this warp's keys, columns the tile's queries
        float p[BM / 8][4];
        float ds[BM / 8][4];
        flashScores<D, BM / 8>(p, kf, qs, g, t);
        flashScores<D, BM / 8>(ds, vf, dos, g, t);
#pragma unroll
        for (int nt = 0; nt < BM / 8; nt++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                int qi = nt * 8 + 2 * t + (e & 1);
                float pe = exp2f(p[nt][e] * scaleLog2 - lseTile[qi]);
                p[nt][e] = pe;
                ds[nt][e] = pe * (ds[nt][e] - deltaTile[qi]);
            }
        }
        flashAccumulate<D, BM / 8>(dvAcc, p, dos, g, t);
        flashAccumulate<D, BM / 8>(dkAcc, ds, qs, g, t);
    }
    int row0 = n0 + warp * 16;
    flashStore<D>(dk, dkL, b, h, row0, N, Dh, dkAcc, scale, scale, g, t);
    flashStore<D>(dv, dvL, b, h, row0, N, Dh, dvAcc, 1.0f, 1.0f, g, t);
}

#define FLASH_KERNELS(D) \
KERNEL __launch_bounds__(FLASH_THREADS, FLASH_MIN_BLOCKS) void flashAttentionForward##D( \
        GLOBAL float* out, GLOBAL float* lse, GLOBAL const float* q, GLOBAL const float* k, GLOBAL const float* v, \
        const Heads oL, const Heads qL, const Heads kL, const Heads vL, const Ints4 sizes, const Ints4 dims, \
        const float scale) { \
    flashForward<D>(out, lse, q, k, v, oL, qL, kL, vL, sizes, dims, scale); \
} \
KERNEL __launch_bounds__(FLASH_THREADS, FLASH_MIN_BLOCKS) void flashAttentionBackwardDq##D( \
        GLOBAL float* dq, GLOBAL const float* lse, GLOBAL const float* delta, GLOBAL const float* q, \
        GLOBAL const float* k, GLOBAL const float* v, GLOBAL const float* dout, const Heads dqL, const Heads qL, \
        const Heads kL, const Heads vL, const Heads doL, const Ints4 sizes, const Ints4 dims, const float scale) { \
    flashBackwardDq<D>(dq, lse, delta, q, k, v, dout, dqL, qL, kL, vL, doL, sizes, dims, scale); \
} \
KERNEL __launch_bounds__(FLASH_THREADS, FLASH_MIN_BLOCKS) void flashAttentionBackwardDkDv##D( \
        GLOBAL float* dk, GLOBAL float* dv, GLOBAL const float* lse, GLOBAL const float* delta, \
        GLOBAL const float* q, GLOBAL const float* k, GLOBAL const float* v, GLOBAL const float* dout, \
        const Heads dkL, const Heads dvL, const Heads qL, const Heads kL, const Heads vL, const Heads doL, \
        const Ints4 sizes, const Ints4 dims, const float scale) { \
    flashBackwardDkDv<D>(dk, dv, lse, delta, q, k, v, dout, dkL, dvL, qL, kL, vL, doL, sizes, dims, scale); \
}

FLASH_KERNELS(32)
FLASH_KERNELS(64)
