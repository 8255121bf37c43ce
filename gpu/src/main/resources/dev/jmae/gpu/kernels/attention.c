// Fused scaled dot-product attention, forward and backward, without materializing [B, H, M, N].
//
// Tensors are [B, H, T, Dh] views with a contiguous last dim, described by a Heads value (offset
// and the b, h, row strides), so q, k and v may be strided slices of one packed [B, T, 3, H, Dh]
// projection and outputs may be [B, T, H, Dh] buffers viewed as [B, H, T, Dh]. lse and delta are
// contiguous [B, H, M].
//
// Kernels: attentionForward (output and lse, online softmax over key blocks),
// attentionBackwardDelta (delta = rowsum(dout * out)), attentionBackwardDq (one pass over key
// blocks per query block) and attentionBackwardDkDv (one pass over query blocks per key block).
// Both backward passes recompute P = exp(scale q.k - lse) for their blocks. Each output element
// is written by exactly one work-item with sums in a fixed order, so results are deterministic.
//
// Shared (GPU-style) kernels: one work-group per (query block, b*h) in forward and dq, one per
// (key block, b*h) in dk/dv; one work-item per query (resp. key) row. Rows being worked on live in
// local memory with row pitch ldl (Dh, padded to odd to spread local-memory banks); key/value
// (resp. query/dout) blocks of up to BLOCK_MAX rows are staged through local memory by all
// work-items of the group. dims = [ldl, staged block rows, lse's offset, 0].
//
// Each kernel states its local buffers; they are laid out back to back in the order listed (the
// CUDA launch's dynamic shared memory is their sum). CUDA has tensor-core versions of forward and
// backward for head dims 32 and 64 (flash_attention.cu); these are their fallback and reference.
//
// VARIANT_CPU (OpenCL CPU drivers only): see below (one work-item per group, float16 vectors).

#define BLOCK_MAX 32

// The dot product of two local rows: four interleaved fmaf chains, then (c0 + c1) + (c2 + c3), then
// the tail (the order of operations of a float4 accumulator).
DEVICE float dotLocal(LOCAL const float* a, LOCAL const float* b, int n) {
    float c0 = 0.0f;
    float c1 = 0.0f;
    float c2 = 0.0f;
    float c3 = 0.0f;
    int c = 0;
    for (; c + 4 <= n; c += 4) {
        c0 = fmaf(a[c], b[c], c0);
        c1 = fmaf(a[c + 1], b[c + 1], c1);
        c2 = fmaf(a[c + 2], b[c + 2], c2);
        c3 = fmaf(a[c + 3], b[c + 3], c3);
    }
    float s = (c0 + c1) + (c2 + c3);
    for (; c < n; c++) {
        s = fmaf(a[c], b[c], s);
    }
    return s;
}

// y += alpha * x over n elements.
DEVICE void axpyLocal(float alpha, LOCAL const float* x, LOCAL float* y, int n) {
    for (int c = 0; c < n; c++) {
        y[c] = fmaf(alpha, x[c], y[c]);
    }
}

DEVICE void scaleLocal(float alpha, LOCAL float* y, int n) {
    for (int c = 0; c < n; c++) {
        y[c] *= alpha;
    }
}

// Stages rows [r0, r0 + nr) of a [B, H, T, Dh] tensor for (b, h) into dst (pitch ldl), using all
// work-items of the group.
DEVICE void stageRows(LOCAL float* dst, GLOBAL const float* src, const Heads t, int b, int h, int r0, int nr,
                      int Dh, int ldl) {
    int lid = THREAD_ID(0);
    int lanes = GROUP_SIZE(0);
    for (int e = lid; e < nr * Dh; e += lanes) {
        int j = e / Dh;
        int c = e - j * Dh;
        dst[j * ldl + c] = src[rowAt(t, b, h, r0 + j) + c];
    }
}

#ifndef VARIANT_CPU

// out = softmax(scale q k^T) v, lse = log-sum-exp of the scaled scores, with the online
// (running max) softmax over key blocks. sizes = [H, M, N, Dh], dims = [ldl, bn, lse offset, 0].
// Local: qs, acc: [bm][ldl]; ks, vs: [bn][ldl]. Launch: global (ceil(M/bm)*bm, B*H), local (bm, 1).
KERNEL void attentionForward(GLOBAL float* out, GLOBAL float* lse, GLOBAL const float* q, GLOBAL const float* k,
                             GLOBAL const float* v, const Heads oL, const Heads qL, const Heads kL, const Heads vL,
                             const Ints4 sizes, const Ints4 dims, const float scale LOCAL_ARG(float, qs)
                             LOCAL_ARG(float, acc) LOCAL_ARG(float, ks) LOCAL_ARG(float, vs)) {
    const int H = sizes.v[0];
    const int M = sizes.v[1];
    const int N = sizes.v[2];
    const int Dh = sizes.v[3];
    const int ldl = dims.v[0];
    const int bn = dims.v[1];
    const int bm = GROUP_SIZE(0);
    LOCAL_BIND(float, qs, 0);
    LOCAL_BIND(float, acc, bm * ldl);
    LOCAL_BIND(float, ks, 2 * bm * ldl);
    LOCAL_BIND(float, vs, (2 * bm + bn) * ldl);
    int li = THREAD_ID(0);
    int i = GROUP_ID(0) * GROUP_SIZE(0) + li;
    int bh = GROUP_ID(1);
    int b = bh / H;
    int h = bh - b * H;
    int valid = i < M;
    LOCAL float* qi = qs + li * ldl;
    LOCAL float* ai = acc + li * ldl;
    if (valid) {
        int qo = rowAt(qL, b, h, i);
        for (int c = 0; c < Dh; c++) {
            qi[c] = q[qo + c];
            ai[c] = 0.0f;
        }
    }
    float m = -INFINITY;
    float l = 0.0f;
    for (int n0 = 0; n0 < N; n0 += bn) {
        int nb = IMIN(bn, N - n0);
        BARRIER();
        stageRows(ks, k, kL, b, h, n0, nb, Dh, ldl);
        stageRows(vs, v, vL, b, h, n0, nb, Dh, ldl);
        BARRIER();
        if (valid) {
            float s[BLOCK_MAX];
            float mNew = m;
            for (int j = 0; j < nb; j++) {
                s[j] = scale * dotLocal(qi, ks + j * ldl, Dh);
                mNew = fmaxf(mNew, s[j]);
            }
            float corr = mNew == m ? 1.0f : expf(m - mNew);
            float sum = 0.0f;
            for (int j = 0; j < nb; j++) {
                s[j] = expf(s[j] - mNew);
                sum += s[j];
            }
            l = l * corr + sum;
            if (corr != 1.0f) {
                scaleLocal(corr, ai, Dh);
            }
            for (int j = 0; j < nb; j++) {
                axpyLocal(s[j], vs + j * ldl, ai, Dh);
            }
            m = mNew;
        }
    }
    if (valid) {
        int oo = rowAt(oL, b, h, i);
        for (int c = 0; c < Dh; c++) {
            out[oo + c] = l == 0.0f ? 0.0f : ai[c] / l;
        }
        lse[dims.v[2] + bh * M + i] = m + logf(l);
    }
}

// dq = scale * sum_j dS_ij k_j with P_ij = exp(scale q_i.k_j - lse_i), dS_ij = P_ij (dout_i.v_j -
// delta_i). Local: qs, dos, acc: [bm][ldl]; ks, vs: [bn][ldl].
// Launch: global (ceil(M/bm)*bm, B*H), local (bm, 1).
KERNEL void attentionBackwardDq(GLOBAL float* dq, GLOBAL const float* lse, GLOBAL const float* delta,
                                GLOBAL const float* q, GLOBAL const float* k, GLOBAL const float* v,
                                GLOBAL const float* dout, const Heads dqL, const Heads qL, const Heads kL,
                                const Heads vL, const Heads doL, const Ints4 sizes, const Ints4 dims, const float scale
                                LOCAL_ARG(float, qs) LOCAL_ARG(float, dos) LOCAL_ARG(float, acc) LOCAL_ARG(float, ks)
                                LOCAL_ARG(float, vs)) {
    const int H = sizes.v[0];
    const int M = sizes.v[1];
    const int N = sizes.v[2];
    const int Dh = sizes.v[3];
    const int ldl = dims.v[0];
    const int bn = dims.v[1];
    const int bm = GROUP_SIZE(0);
    LOCAL_BIND(float, qs, 0);
    LOCAL_BIND(float, dos, bm * ldl);
    LOCAL_BIND(float, acc, 2 * bm * ldl);
    LOCAL_BIND(float, ks, 3 * bm * ldl);
    LOCAL_BIND(float, vs, (3 * bm + bn) * ldl);
    int li = THREAD_ID(0);
    int i = GROUP_ID(0) * GROUP_SIZE(0) + li;
    int bh = GROUP_ID(1);
    int b = bh / H;
    int h = bh - b * H;
    int valid = i < M;
    LOCAL float* qi = qs + li * ldl;
    LOCAL float* doi = dos + li * ldl;
    LOCAL float* ai = acc + li * ldl;
    float lsei = 0.0f;
    float di = 0.0f;
    if (valid) {
        int qo = rowAt(qL, b, h, i);
        int go = rowAt(doL, b, h, i);
        for (int c = 0; c < Dh; c++) {
            qi[c] = q[qo + c];
            doi[c] = dout[go + c];
            ai[c] = 0.0f;
        }
        lsei = lse[dims.v[2] + bh * M + i];
        di = delta[bh * M + i];
    }
    for (int n0 = 0; n0 < N; n0 += bn) {
        int nb = IMIN(bn, N - n0);
        BARRIER();
        stageRows(ks, k, kL, b, h, n0, nb, Dh, ldl);
        stageRows(vs, v, vL, b, h, n0, nb, Dh, ldl);
        BARRIER();
        if (valid) {
            float ds[BLOCK_MAX];
            for (int j = 0; j < nb; j++) {
                float p = expf(scale * dotLocal(qi, ks + j * ldl, Dh) - lsei);
                ds[j] = p * (dotLocal(doi, vs + j * ldl, Dh) - di);
            }
            for (int j = 0; j < nb; j++) {
                axpyLocal(ds[j], ks + j * ldl, ai, Dh);
            }
        }
    }
    if (valid) {
        int o = rowAt(dqL, b, h, i);
        for (int c = 0; c < Dh; c++) {
            dq[o + c] = scale * ai[c];
        }
    }
}

// dv = sum_i P_ij dout_i, dk = scale * sum_i dS_ij q_i, one work-item per key row j, query blocks
// of bq rows staged with their lse and delta. Local: kst, vst, dks, dvs: [bk][ldl]; qs, dos:
// [bq][ldl]; ls, dls: [bq]. Launch: global (ceil(N/bk)*bk, B*H), local (bk, 1).
KERNEL void attentionBackwardDkDv(GLOBAL float* dk, GLOBAL float* dv, GLOBAL const float* lse,
                                  GLOBAL const float* delta, GLOBAL const float* q, GLOBAL const float* k,
                                  GLOBAL const float* v, GLOBAL const float* dout, const Heads dkL, const Heads dvL,
                                  const Heads qL, const Heads kL, const Heads vL, const Heads doL, const Ints4 sizes,
                                  const Ints4 dims, const float scale LOCAL_ARG(float, kst) LOCAL_ARG(float, vst)
                                  LOCAL_ARG(float, dks) LOCAL_ARG(float, dvs) LOCAL_ARG(float, qs)
                                  LOCAL_ARG(float, dos) LOCAL_ARG(float, ls) LOCAL_ARG(float, dls)) {
    const int H = sizes.v[0];
    const int M = sizes.v[1];
    const int N = sizes.v[2];
    const int Dh = sizes.v[3];
    const int ldl = dims.v[0];
    const int bq = dims.v[1];
    const int bk = GROUP_SIZE(0);
    LOCAL_BIND(float, kst, 0);
    LOCAL_BIND(float, vst, bk * ldl);
    LOCAL_BIND(float, dks, 2 * bk * ldl);
    LOCAL_BIND(float, dvs, 3 * bk * ldl);
    LOCAL_BIND(float, qs, 4 * bk * ldl);
    LOCAL_BIND(float, dos, (4 * bk + bq) * ldl);
    LOCAL_BIND(float, ls, (4 * bk + 2 * bq) * ldl);
    LOCAL_BIND(float, dls, (4 * bk + 2 * bq) * ldl + bq);
    int lj = THREAD_ID(0);
    int lanes = GROUP_SIZE(0);
    int j = GROUP_ID(0) * lanes + lj;
    int bh = GROUP_ID(1);
    int b = bh / H;
    int h = bh - b * H;
    int valid = j < N;
    LOCAL float* kj = kst + lj * ldl;
    LOCAL float* vj = vst + lj * ldl;
    LOCAL float* dkj = dks + lj * ldl;
    LOCAL float* dvj = dvs + lj * ldl;
    if (valid) {
        int ko = rowAt(kL, b, h, j);
        int vo = rowAt(vL, b, h, j);
        for (int c = 0; c < Dh; c++) {
            kj[c] = k[ko + c];
            vj[c] = v[vo + c];
            dkj[c] = 0.0f;
            dvj[c] = 0.0f;
        }
    }
    for (int m0 = 0; m0 < M; m0 += bq) {
        int mb = IMIN(bq, M - m0);
        BARRIER();
        stageRows(qs, q, qL, b, h, m0, mb, Dh, ldl);
        stageRows(dos, dout, doL, b, h, m0, mb, Dh, ldl);
        for (int e = lj; e < mb; e += lanes) {
            ls[e] = lse[dims.v[2] + bh * M + m0 + e];
            dls[e] = delta[bh * M + m0 + e];
        }
        BARRIER();
        if (valid) {
            float p[BLOCK_MAX];
            float ds[BLOCK_MAX];
            for (int i = 0; i < mb; i++) {
                p[i] = expf(scale * dotLocal(qs + i * ldl, kj, Dh) - ls[i]);
                ds[i] = p[i] * (dotLocal(dos + i * ldl, vj, Dh) - dls[i]);
            }
            for (int i = 0; i < mb; i++) {
                axpyLocal(p[i], dos + i * ldl, dvj, Dh);
                axpyLocal(ds[i], qs + i * ldl, dkj, Dh);
            }
        }
    }
    if (valid) {
        int ko = rowAt(dkL, b, h, j);
        int vo = rowAt(dvL, b, h, j);
        for (int c = 0; c < Dh; c++) {
            dk[ko + c] = scale * dkj[c];
            dv[vo + c] = dvj[c];
        }
    }
}

#else

// ---- OpenCL, CPU drivers only: one work-item owns R rows (dims.v[1], chosen by the host) and works with float16
// vectors ----
//
// Work-groups of one work-item (no barriers, no sharing); local memory is the work-item's own
// staging area, and R is large (up to 128) so that staging a block is amortized over many rows. Blocks of CB = 32 keys (or queries) are staged transposed ([Dh][CB]), so a
// score row for 32 keys is Dh broadcast-FMAs on two float16 accumulators, and the weighted sums
// over a block run over float16 chunks of the head dim (scalar tail for Dh % 16).

#define CB 32

// dst[c * CB + j] = row r0 + j of t (element c) for j < nr, 0 for nr <= j < CB.
inline void stageTransposed(local float* dst, global const float* src, const Heads t, int b, int h, int r0, int nr,
                            int Dh) {
    for (int j = 0; j < CB; j++) {
        if (j < nr) {
            int o = rowAt(t, b, h, r0 + j);
            for (int c = 0; c < Dh; c++) {
                dst[c * CB + j] = src[o + c];
            }
        } else {
            for (int c = 0; c < Dh; c++) {
                dst[c * CB + j] = 0.0f;
            }
        }
    }
}

// dst[j * Dh + c] = row r0 + j of t (element c) for j < nr.
inline void stageDense(local float* dst, global const float* src, const Heads t, int b, int h, int r0, int nr, int Dh) {
    for (int j = 0; j < nr; j++) {
        int o = rowAt(t, b, h, r0 + j);
        for (int c = 0; c < Dh; c++) {
            dst[j * Dh + c] = src[o + c];
        }
    }
}

// (s0, s1) = x . T[:, 0:32] for a row x of Dh elements and a transposed block T.
inline void dotBlock(local const float* x, local const float* T, int Dh, float16* s0, float16* s1) {
    float16 a0 = (float16) (0.0f);
    float16 a1 = (float16) (0.0f);
    for (int c = 0; c < Dh; c++) {
        float16 xc = (float16) (x[c]);
        a0 = fma(xc, vload16(0, T + c * CB), a0);
        a1 = fma(xc, vload16(1, T + c * CB), a1);
    }
    *s0 = a0;
    *s1 = a1;
}

// y[0:Dh] = y * alpha + sum_{j < n} w[j] * X[j * Dh + 0:Dh].
inline void accumulateRows(local float* y, float alpha, const float* w, local const float* X, int n, int Dh) {
    int c = 0;
    for (; c + 16 <= Dh; c += 16) {
        float16 a = vload16(0, y + c) * alpha;
        for (int j = 0; j < n; j++) {
            a = fma((float16) (w[j]), vload16(0, X + j * Dh + c), a);
        }
        vstore16(a, 0, y + c);
    }
    for (; c < Dh; c++) {
        float a = y[c] * alpha;
        for (int j = 0; j < n; j++) {
            a = fma(w[j], X[j * Dh + c], a);
        }
        y[c] = a;
    }
}

inline float16 laneIds(int base) {
    return (float16) (0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f, 8.0f, 9.0f, 10.0f, 11.0f, 12.0f, 13.0f, 14.0f,
                      15.0f) + (float) base;
}

inline float hmax16(float16 v) {
    float8 a = fmax(v.lo, v.hi);
    float4 b = fmax(a.lo, a.hi);
    float2 c = fmax(b.lo, b.hi);
    return fmax(c.x, c.y);
}

inline float hsum16(float16 v) {
    float8 a = v.lo + v.hi;
    float4 b = a.lo + a.hi;
    float2 c = b.lo + b.hi;
    return c.x + c.y;
}

// Forward over query rows [i0, i0 + R) of one (b, h). Local (floats): kt [Dh * CB], vs [CB * Dh],
// qs and acc [R * Dh], stats [2 * R] (running max, running sum). Launch: global (ceil(M / R), B*H),
// local (1, 1).
kernel void attentionForward(global float* out, global float* lse, global const float* q, global const float* k,
                             global const float* v, const Heads oL, const Heads qL, const Heads kL, const Heads vL,
                             const Ints4 sizes, const Ints4 dims, const float scale, local float* kt, local float* vs,
                             local float* qs, local float* acc, local float* stats) {
    const int H = sizes.v[0];
    const int M = sizes.v[1];
    const int N = sizes.v[2];
    const int Dh = sizes.v[3];
    const int R = dims.v[1];
    int i0 = get_global_id(0) * R;
    int bh = get_global_id(1);
    if (i0 >= M) {
        return;
    }
    int b = bh / H;
    int h = bh - b * H;
    int nq = min(R, M - i0);
    stageDense(qs, q, qL, b, h, i0, nq, Dh);
    for (int e = 0; e < nq * Dh; e++) {
        acc[e] = 0.0f;
    }
    local float* mrow = stats;
    local float* lrow = stats + R;
    for (int r = 0; r < nq; r++) {
        mrow[r] = -INFINITY;
        lrow[r] = 0.0f;
    }
    float p[CB];
    for (int n0 = 0; n0 < N; n0 += CB) {
        int nb = min(CB, N - n0);
        stageTransposed(kt, k, kL, b, h, n0, nb, Dh);
        stageDense(vs, v, vL, b, h, n0, nb, Dh);
        float16 lim = (float16) ((float) nb);
        for (int r = 0; r < nq; r++) {
            float16 s0;
            float16 s1;
            dotBlock(qs + r * Dh, kt, Dh, &s0, &s1);
            s0 = select(s0 * scale, (float16) (-INFINITY), isgreaterequal(laneIds(0), lim));
            s1 = select(s1 * scale, (float16) (-INFINITY), isgreaterequal(laneIds(16), lim));
            float mNew = fmax(mrow[r], fmax(hmax16(s0), hmax16(s1)));
            float corr = mNew == mrow[r] ? 1.0f : exp(mrow[r] - mNew);
            float16 p0 = exp(s0 - mNew);
            float16 p1 = exp(s1 - mNew);
            lrow[r] = lrow[r] * corr + (hsum16(p0) + hsum16(p1));
            vstore16(p0, 0, p);
            vstore16(p1, 1, p);
            accumulateRows(acc + r * Dh, corr, p, vs, nb, Dh);
            mrow[r] = mNew;
        }
    }
    for (int r = 0; r < nq; r++) {
        int oo = rowAt(oL, b, h, i0 + r);
        float l = lrow[r];
        for (int c = 0; c < Dh; c++) {
            out[oo + c] = l == 0.0f ? 0.0f : acc[r * Dh + c] / l;
        }
        lse[dims.v[2] + bh * M + i0 + r] = mrow[r] + log(l);
    }
}

// dq for query rows [i0, i0 + R). Local (floats): kt, vt [Dh * CB], ks [CB * Dh], qs, dos,
// acc [R * Dh]. Launch: global (ceil(M / R), B*H), local (1, 1).
kernel void attentionBackwardDq(global float* dq, global const float* lse, global const float* delta,
                                global const float* q, global const float* k, global const float* v,
                                global const float* dout, const Heads dqL, const Heads qL, const Heads kL,
                                const Heads vL, const Heads doL, const Ints4 sizes, const Ints4 dims, const float scale,
                                local float* kt, local float* vt, local float* ks, local float* qs, local float* dos,
                                local float* acc) {
    const int H = sizes.v[0];
    const int M = sizes.v[1];
    const int N = sizes.v[2];
    const int Dh = sizes.v[3];
    const int R = dims.v[1];
    int i0 = get_global_id(0) * R;
    int bh = get_global_id(1);
    if (i0 >= M) {
        return;
    }
    int b = bh / H;
    int h = bh - b * H;
    int nq = min(R, M - i0);
    stageDense(qs, q, qL, b, h, i0, nq, Dh);
    stageDense(dos, dout, doL, b, h, i0, nq, Dh);
    for (int e = 0; e < nq * Dh; e++) {
        acc[e] = 0.0f;
    }
    float ds[CB];
    for (int n0 = 0; n0 < N; n0 += CB) {
        int nb = min(CB, N - n0);
        stageTransposed(kt, k, kL, b, h, n0, nb, Dh);
        stageTransposed(vt, v, vL, b, h, n0, nb, Dh);
        stageDense(ks, k, kL, b, h, n0, nb, Dh);
        for (int r = 0; r < nq; r++) {
            float li = lse[dims.v[2] + bh * M + i0 + r];
            float di = delta[bh * M + i0 + r];
            float16 s0;
            float16 s1;
            float16 g0;
            float16 g1;
            dotBlock(qs + r * Dh, kt, Dh, &s0, &s1);
            dotBlock(dos + r * Dh, vt, Dh, &g0, &g1);
            float16 p0 = exp(s0 * scale - li);
            float16 p1 = exp(s1 * scale - li);
            vstore16(p0 * (g0 - di), 0, ds);
            vstore16(p1 * (g1 - di), 1, ds);
            accumulateRows(acc + r * Dh, 1.0f, ds, ks, nb, Dh);
        }
    }
    for (int r = 0; r < nq; r++) {
        int o = rowAt(dqL, b, h, i0 + r);
        for (int c = 0; c < Dh; c++) {
            dq[o + c] = scale * acc[r * Dh + c];
        }
    }
}

// dk, dv for key rows [j0, j0 + R). Local (floats): qt, dots [Dh * CB], qs, dos [CB * Dh], ks,
// vs, dks, dvs [R * Dh]. Launch: global (ceil(N / R), B*H), local (1, 1).
kernel void attentionBackwardDkDv(global float* dk, global float* dv, global const float* lse,
                                  global const float* delta, global const float* q, global const float* k,
                                  global const float* v, global const float* dout, const Heads dkL, const Heads dvL,
                                  const Heads qL, const Heads kL, const Heads vL, const Heads doL, const Ints4 sizes,
                                  const Ints4 dims, const float scale, local float* qt, local float* dots,
                                  local float* qs, local float* dos, local float* ks, local float* vs,
                                  local float* dks, local float* dvs) {
    const int H = sizes.v[0];
    const int M = sizes.v[1];
    const int N = sizes.v[2];
    const int Dh = sizes.v[3];
    const int R = dims.v[1];
    int j0 = get_global_id(0) * R;
    int bh = get_global_id(1);
    if (j0 >= N) {
        return;
    }
    int b = bh / H;
    int h = bh - b * H;
    int nk = min(R, N - j0);
    stageDense(ks, k, kL, b, h, j0, nk, Dh);
    stageDense(vs, v, vL, b, h, j0, nk, Dh);
    for (int e = 0; e < nk * Dh; e++) {
        dks[e] = 0.0f;
        dvs[e] = 0.0f;
    }
    float lsev[CB];
    float deltav[CB];
    float p[CB];
    float ds[CB];
    for (int m0 = 0; m0 < M; m0 += CB) {
        int mb = min(CB, M - m0);
        stageTransposed(qt, q, qL, b, h, m0, mb, Dh);
        stageTransposed(dots, dout, doL, b, h, m0, mb, Dh);
        stageDense(qs, q, qL, b, h, m0, mb, Dh);
        stageDense(dos, dout, doL, b, h, m0, mb, Dh);
        for (int i = 0; i < CB; i++) {
            // padding queries get lse = +inf, hence P = 0 and dS = 0
            lsev[i] = i < mb ? lse[dims.v[2] + bh * M + m0 + i] : INFINITY;
            deltav[i] = i < mb ? delta[bh * M + m0 + i] : 0.0f;
        }
        float16 l0 = vload16(0, lsev);
        float16 l1 = vload16(1, lsev);
        float16 d0 = vload16(0, deltav);
        float16 d1 = vload16(1, deltav);
        for (int r = 0; r < nk; r++) {
            float16 s0;
            float16 s1;
            float16 g0;
            float16 g1;
            dotBlock(ks + r * Dh, qt, Dh, &s0, &s1);
            dotBlock(vs + r * Dh, dots, Dh, &g0, &g1);
            float16 p0 = exp(s0 * scale - l0);
            float16 p1 = exp(s1 * scale - l1);
            vstore16(p0, 0, p);
            vstore16(p1, 1, p);
            vstore16(p0 * (g0 - d0), 0, ds);
            vstore16(p1 * (g1 - d1), 1, ds);
            accumulateRows(dvs + r * Dh, 1.0f, p, dos, mb, Dh);
            accumulateRows(dks + r * Dh, 1.0f, ds, qs, mb, Dh);
        }
    }
    for (int r = 0; r < nk; r++) {
        int ko = rowAt(dkL, b, h, j0 + r);
        int vo = rowAt(dvL, b, h, j0 + r);
        for (int c = 0; c < Dh; c++) {
            dk[ko + c] = scale * dks[r * Dh + c];
            dv[vo + c] = dvs[r * Dh + c];
        }
    }
}

#endif

// delta[b, h, i] = sum_c dout[b, h, i, c] * out[b, h, i, c]. Launch: global (M, B*H).
KERNEL void attentionBackwardDelta(GLOBAL float* delta, GLOBAL const float* out, GLOBAL const float* dout,
                                   const Heads oL, const Heads doL, const int H, const int M, const int Dh) {
    int i = GLOBAL_ID(0);
    int bh = GLOBAL_ID(1);
    if (i >= M) {
        return;
    }
    int b = bh / H;
    int h = bh - b * H;
    int oo = rowAt(oL, b, h, i);
    int go = rowAt(doL, b, h, i);
    float s = 0.0f;
    for (int c = 0; c < Dh; c++) {
        s = fmaf(dout[go + c], out[oo + c], s);
    }
    delta[bh * M + i] = s;
}

