// Batched matrix product c[t] = a[t] . b[t] (+ bias) for the problems t of a Strided batch plan
// (operands 0 = c, 1 = a, 2 = b; offsets of each problem's [0, 0] element). A [M, K] has element
// (i, p) at a + i*ars + p*acs, B [K, N] has (p, j) at b + p*brs + j*bcs, so transposed, sliced
// and broadcast views need no copies; C is contiguous with row stride N. C is overwritten; the
// bias, when present, is added after the float32 dot product.
//
// Shared (GPU-style) kernel: a 64x64 output tile per 16x16 work-group, 4x4 outputs per work-item,
// A and B staged through local memory in K-slices of 16, with the load pattern picked so that
// global reads are coalesced for both row- and column-major operands.
//
// aStrides = [ars, acs, brs, bcs]. Launch: global (ceil(N/64)*16, ceil(M/64)*16, problems), local
// (16, 16, 1) exactly; static local memory 2 x 16 x 65 floats.
//
// VARIANT_CPU (OpenCL CPU drivers only): gemmPackA / gemmPackB first copy the operands into
// zero-padded panels ([M/MR][K][MR] and [N/NR][K][NR], contiguous), then each work-item of matmul
// computes MT tiles of MR x NR = 8 x 32 down one B panel (which stays in cache) with 16 float16
// accumulators: per k two vload16 of B, MR broadcast loads of A and 16 FMAs, which PoCL maps onto
// AVX-512 (or AVX2) registers. No local memory, no barriers.

#ifndef VARIANT_CPU

#define TS 64
#define TK 16
#define WPT 4
#define RTS 16

KERNEL KERNEL_BOUNDS(RTS, RTS, 1) void matmul(GLOBAL float* c, GLOBAL const float* a, GLOBAL const float* b,
            GLOBAL const float* bias, const Strided batch, const int M, const int N, const int K,
            const Ints4 aStrides, const int batchBase, const int hasBias, const int biasOffset, const int biasStride) {
    LOCAL_ARRAY float As[TK][TS + 1];
    LOCAL_ARRAY float Bs[TK][TS + 1];
    const int ars = aStrides.v[0];
    const int acs = aStrides.v[1];
    const int brs = aStrides.v[2];
    const int bcs = aStrides.v[3];
    int tx = THREAD_ID(0);
    int ty = THREAD_ID(1);
    int tid = ty * RTS + tx;
    int o[3];
    stridedOffsets(batch, batchBase + GROUP_ID(2), 3, o);
    int row0 = GROUP_ID(1) * TS;
    int col0 = GROUP_ID(0) * TS;
    float acc[WPT][WPT];
    for (int r = 0; r < WPT; r++) {
        for (int s = 0; s < WPT; s++) {
            acc[r][s] = 0.0f;
        }
    }
    for (int k0 = 0; k0 < K; k0 += TK) {
        for (int l = tid; l < TS * TK; l += RTS * RTS) {
            int i;
            int p;
            if (acs == 1) {
                i = l / TK;
                p = l % TK;
            } else {
                p = l / TS;
                i = l % TS;
            }
            int gi = row0 + i;
            int gp = k0 + p;
            As[p][i] = gi < M && gp < K ? a[o[1] + gi * ars + gp * acs] : 0.0f;
        }
        for (int l = tid; l < TS * TK; l += RTS * RTS) {
            int j;
            int p;
            if (bcs == 1 || brs != 1) {
                p = l / TS;
                j = l % TS;
            } else {
                j = l / TK;
                p = l % TK;
            }
            int gj = col0 + j;
            int gp = k0 + p;
            Bs[p][j] = gj < N && gp < K ? b[o[2] + gp * brs + gj * bcs] : 0.0f;
        }
        BARRIER();
        for (int p = 0; p < TK; p++) {
            float av[WPT];
            float bv[WPT];
            for (int r = 0; r < WPT; r++) {
                av[r] = As[p][ty + RTS * r];
            }
            for (int s = 0; s < WPT; s++) {
                bv[s] = Bs[p][tx + RTS * s];
            }
            for (int r = 0; r < WPT; r++) {
                for (int s = 0; s < WPT; s++) {
                    acc[r][s] = fmaf(av[r], bv[s], acc[r][s]);
                }
            }
        }
        BARRIER();
    }
    for (int r = 0; r < WPT; r++) {
        int gi = row0 + ty + RTS * r;
        for (int s = 0; s < WPT; s++) {
            int gj = col0 + tx + RTS * s;
            if (gi < M && gj < N) {
                float v = acc[r][s];
                if (hasBias) {
                    v += bias[biasOffset + gj * biasStride];
                }
                c[o[0] + gi * N + gj] = v;
            }
        }
    }
}

#else

// ---- OpenCL, CPU drivers only ----

#define MR 8
#define NR 32
#define MT 4

// packed[t][ip][p][0:MR] = A_t[ip*MR + 0:MR, p] (0 past M): one work-item per (p, panel, problem)
// writes one MR-float row of a panel. Launch: global (K, mPanels, problems).
kernel void gemmPackA(global float* packed, global const float* a, const Strided batch, const int batchBase,
                      const int M, const int K, const int ars, const int acs, const int mPanels) {
    int p = get_global_id(0);
    int ip = get_global_id(1);
    int t = get_global_id(2);
    if (p >= K || ip >= mPanels) {
        return;
    }
    global const float* src = a + stridedOffset(batch, batchBase + t, 1) + p * acs;
    global float* dst = packed + (((long) t * mPanels + ip) * K + p) * MR;
    int i0 = ip * MR;
    for (int r = 0; r < MR; r++) {
        dst[r] = i0 + r < M ? src[(i0 + r) * ars] : 0.0f;
    }
}

// packed[t][jp][p][0:NR] = B_t[p, jp*NR + 0:NR] (0 past N): one work-item per (p, panel,
// problem) writes one NR-float row of a panel, with vector loads when B's rows are contiguous.
// Launch: global (K, nPanels, problems).
kernel void gemmPackB(global float* packed, global const float* b, const Strided batch, const int batchBase,
                      const int N, const int K, const int brs, const int bcs, const int nPanels) {
    int p = get_global_id(0);
    int jp = get_global_id(1);
    int t = get_global_id(2);
    if (p >= K || jp >= nPanels) {
        return;
    }
    global const float* src = b + stridedOffset(batch, batchBase + t, 2) + p * brs;
    global float* dst = packed + (((long) t * nPanels + jp) * K + p) * NR;
    int j0 = jp * NR;
    if (bcs == 1 && j0 + NR <= N) {
        vstore16(vload16(0, src + j0), 0, dst);
        vstore16(vload16(0, src + j0 + 16), 0, dst + 16);
    } else {
        for (int s = 0; s < NR; s++) {
            dst[s] = j0 + s < N ? src[(j0 + s) * bcs] : 0.0f;
        }
    }
}

#define MICRO_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define DECLARE(r) float16 c##r = (float16) (0.0f); float16 d##r = (float16) (0.0f);
#define UPDATE(r) { float a = A[p * MR + (r)]; c##r = fma((float16) (a), b0, c##r); d##r = fma((float16) (a), b1, d##r); }
#define STORE(r) storeRow(c, cRow + (r) * N, c##r, bb0, i0 + (r) < M, j0, N); storeRow(c, cRow + (r) * N, d##r, bb1, i0 + (r) < M, j0 + 16, N);

inline void storeRow(global float* c, int rowStart, float16 v, float16 bias, bool rowValid, int j0, int N) {
    if (!rowValid || j0 >= N) {
        return;
    }
    v += bias;
    if (j0 + 16 <= N) {
        vstore16(v, 0, c + rowStart + j0);
    } else {
        float tmp[16];
        vstore16(v, 0, tmp);
        for (int s = 0; j0 + s < N; s++) {
            c[rowStart + j0 + s] = tmp[s];
        }
    }
}

// MT consecutive MR x NR tiles of C (along M) per work-item, from packed panels, reusing the B
// panel from cache. aStride / bStride: elements between consecutive problems' packed operands
// (0 when the operand is shared by every problem). Launch: global (nPanels, ceil(mPanels/MT), problems).
kernel void matmul(global float* c, global const float* ap, global const float* bp, global const float* bias,
                   const Strided batch, const int batchBase, const int M, const int N, const int K,
                   const int mPanels, const int nPanels, const int aStride, const int bStride, const int hasBias,
                   const int biasOffset, const int biasStride) {
    int jp = get_global_id(0);
    int ipBase = get_global_id(1) * MT;
    int t = get_global_id(2);
    if (jp >= nPanels || ipBase >= mPanels) {
        return;
    }
    int j0 = jp * NR;
    float16 bb0 = (float16) (0.0f);
    float16 bb1 = (float16) (0.0f);
    if (hasBias) {
        float tmp[NR];
        for (int s = 0; s < NR; s++) {
            tmp[s] = j0 + s < N ? bias[biasOffset + (j0 + s) * biasStride] : 0.0f;
        }
        bb0 = vload16(0, tmp);
        bb1 = vload16(1, tmp);
    }
    global const float* B = bp + (long) t * bStride + (long) jp * K * NR;
    int cBase = stridedOffset(batch, batchBase + t, 0);
    for (int ip = ipBase; ip < min(mPanels, ipBase + MT); ip++) {
        global const float* A = ap + (long) t * aStride + (long) ip * K * MR;
        MICRO_ROWS(DECLARE)
        for (int p = 0; p < K; p++) {
            float16 b0 = vload16(2 * p, B);
            float16 b1 = vload16(2 * p + 1, B);
            MICRO_ROWS(UPDATE)
        }
        int i0 = ip * MR;
        int cRow = cBase + i0 * N;
        MICRO_ROWS(STORE)
    }
}

#endif
