package dev.jmae.tensor.cpu;

import dev.jmae.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.jmae.tensor.cpu.CpuBackend.data;

/**
 * Fused scaled dot-product attention on the CPU, float32, one task per (batch, head) on the
 * {@link Parallel} pool.
 *
 * <p>Per head, K (and for backward V) is transposed once into a per-thread [Dh, N] scratch so
 * that a query's scores s_j = scale·q·k_j are computed as Dh broadcast-FMAs along N; the softmax
 * row is exponentiated in place and the output row is accumulated as N broadcast-FMAs along Dh.
 * Only one [N] score row per thread exists at a time: no [M, N] (let alone [B, H, M, N]) matrix is
 * materialized. Backward recomputes each probability row from the saved log-sum-exp and
 * accumulates dK and dV for the head in per-thread [N, Dh] scratch.
 *
 * <p>Shapes: q [B, H, M, Dh], k and v [B, H, N, Dh], out and dq like q, dk and dv like k, lse
 * [B, H, M]; every operand's last dim is contiguous, other strides are arbitrary. Overwrites
 * its outputs.
 */
final class CpuAttention {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** Per-thread scratch buffers, grown on demand. */
    private static final class Scratch {
        float[] kt = new float[0];
        float[] vt = new float[0];
        float[] p = new float[0];
        float[] dp = new float[0];
        float[] dk = new float[0];
        float[] dv = new float[0];

        static float[] grow(float[] a, int n) {
            return a.length >= n ? a : new float[Math.max(n, a.length * 2)];
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private CpuAttention() {
    }

    /** Row base offset of (b, h, i) in a 4-d tensor. */
    private static int row(Tensor t, int b, int h, int i) {
        return t.offset() + b * t.stride(0) + h * t.stride(1) + i * t.stride(2);
    }

    /** dst[c*n + j] = src[base + j*rowStride + c]: the transpose of an [n, dh] row-strided matrix. */
    private static void transpose(float[] src, int base, int rowStride, int n, int dh, float[] dst) {
        for (int j = 0; j < n; j++) {
            int o = base + j * rowStride;
            for (int c = 0; c < dh; c++) {
                dst[c * n + j] = src[o + c];
            }
        }
    }

    /** s[0..n) = sum_c x[xo + c]*alpha * mt[c*n + 0..n): a vector-matrix product along n. */
    private static void rowTimesMatrix(float[] x, int xo, float alpha, float[] mt, int dh, int n, float[] s) {
        int upper = S.loopBound(n);
        java.util.Arrays.fill(s, 0, n, 0f);
        for (int c = 0; c < dh; c++) {
            float xc = x[xo + c] * alpha;
            FloatVector vx = FloatVector.broadcast(S, xc);
            int base = c * n;
            int j = 0;
            for (; j < upper; j += L) {
                vx.fma(FloatVector.fromArray(S, mt, base + j), FloatVector.fromArray(S, s, j)).intoArray(s, j);
            }
            for (; j < n; j++) {
                s[j] += xc * mt[base + j];
            }
        }
    }

    /** y[yo + 0..n) += alpha * x[xo + 0..n). */
    private static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (int upper = S.loopBound(n); i < upper; i += L) {
            va.fma(FloatVector.fromArray(S, x, xo + i), FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += alpha * x[xo + i];
        }
    }

    static void forward(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, float scale) {
        int batch = q.size(0);
        int heads = q.size(1);
        int m = q.size(2);
        int n = k.size(2);
        int dh = q.size(3);
        float[] qq = data(q);
        float[] kk = data(k);
        float[] vv = data(v);
        float[] o = data(out);
        float[] l = data(lse);
        int ks = k.stride(2);
        int vs = v.stride(2);
        Parallel.forTasks(batch * heads, t -> {
            int b = t / heads;
            int h = t % heads;
            Scratch sc = SCRATCH.get();
            sc.kt = Scratch.grow(sc.kt, dh * n);
            sc.p = Scratch.grow(sc.p, n);
            float[] kt = sc.kt;
            float[] p = sc.p;
            transpose(kk, row(k, b, h, 0), ks, n, dh, kt);
            int vBase = row(v, b, h, 0);
            int upper = S.loopBound(n);
            for (int i = 0; i < m; i++) {
                rowTimesMatrix(qq, row(q, b, h, i), scale, kt, dh, n, p);
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    max = Math.max(max, p[j]);
                }
                FloatVector vmax = FloatVector.broadcast(S, max);
                FloatVector acc = FloatVector.zero(S);
                int j = 0;
                for (; j < upper; j += L) {
                    FloatVector e = VectorMath.exp(FloatVector.fromArray(S, p, j).sub(vmax));
                    e.intoArray(p, j);
                    acc = acc.add(e);
                }
                float sum = VectorMath.sum(acc);
                for (; j < n; j++) {
                    p[j] = VectorMath.exp(p[j] - max);
                    sum += p[j];
                }
                l[lse.offset() + t * m + i] = max + (float) Math.log(sum);
                float inv = 1f / sum;
                int or = row(out, b, h, i);
                java.util.Arrays.fill(o, or, or + dh, 0f);
                for (j = 0; j < n; j++) {
                    axpy(p[j] * inv, vv, vBase + j * vs, o, or, dh);
                }
            }
        });
    }

    static void backward(Tensor dq, Tensor dk, Tensor dv, Tensor out, Tensor lse, Tensor dout, Tensor q, Tensor k,
                         Tensor v, float scale) {
        int batch = q.size(0);
        int heads = q.size(1);
        int m = q.size(2);
        int n = k.size(2);
        int dh = q.size(3);
        float[] qq = data(q);
        float[] kk = data(k);
        float[] vv = data(v);
        float[] oo = data(out);
        float[] l = data(lse);
        float[] go = data(dout);
        float[] gq = data(dq);
        float[] gk = data(dk);
        float[] gv = data(dv);
        int ks = k.stride(2);
        int vs = v.stride(2);
        Parallel.forTasks(batch * heads, t -> {
            int b = t / heads;
            int h = t % heads;
            Scratch sc = SCRATCH.get();
            sc.kt = Scratch.grow(sc.kt, dh * n);
            sc.vt = Scratch.grow(sc.vt, dh * n);
            sc.p = Scratch.grow(sc.p, n);
            sc.dp = Scratch.grow(sc.dp, n);
            sc.dk = Scratch.grow(sc.dk, n * dh);
            sc.dv = Scratch.grow(sc.dv, n * dh);
            float[] kt = sc.kt;
            float[] vt = sc.vt;
            float[] p = sc.p;
            float[] dp = sc.dp;
            float[] dkAcc = sc.dk;
            float[] dvAcc = sc.dv;
            int kBase = row(k, b, h, 0);
            transpose(kk, kBase, ks, n, dh, kt);
            transpose(vv, row(v, b, h, 0), vs, n, dh, vt);
            java.util.Arrays.fill(dkAcc, 0, n * dh, 0f);
            java.util.Arrays.fill(dvAcc, 0, n * dh, 0f);
            int upper = S.loopBound(n);
            for (int i = 0; i < m; i++) {
                int qr = row(q, b, h, i);
                int gr = row(dout, b, h, i);
                float lsei = l[lse.offset() + t * m + i];
                // P row from the saved log-sum-exp
                rowTimesMatrix(qq, qr, scale, kt, dh, n, p);
                FloatVector vl = FloatVector.broadcast(S, lsei);
                int j = 0;
                for (; j < upper; j += L) {
                    VectorMath.exp(FloatVector.fromArray(S, p, j).sub(vl)).intoArray(p, j);
                }
                for (; j < n; j++) {
                    p[j] = VectorMath.exp(p[j] - lsei);
                }
                // dP row = dOut_i · Vᵀ; Dr = dOut_i · out_i; dS = P * (dP - Dr), kept in dp
                rowTimesMatrix(go, gr, 1f, vt, dh, n, dp);
                float dr = 0f;
                int orow = row(out, b, h, i);
                for (int c = 0; c < dh; c++) {
                    dr += go[gr + c] * oo[orow + c];
                }
                FloatVector vdr = FloatVector.broadcast(S, dr);
                for (j = 0; j < upper; j += L) {
                    FloatVector.fromArray(S, dp, j).sub(vdr).mul(FloatVector.fromArray(S, p, j)).intoArray(dp, j);
                }
                for (; j < n; j++) {
                    dp[j] = p[j] * (dp[j] - dr);
                }
                // dQ_i = scale · dS_i · K; dK += dS_iᵀ ⊗ q_i; dV += P_iᵀ ⊗ dOut_i
                int dqr = row(dq, b, h, i);
                java.util.Arrays.fill(gq, dqr, dqr + dh, 0f);
                for (j = 0; j < n; j++) {
                    axpy(dp[j] * scale, kk, kBase + j * ks, gq, dqr, dh);
                    axpy(dp[j], qq, qr, dkAcc, j * dh, dh);
                    axpy(p[j], go, gr, dvAcc, j * dh, dh);
                }
            }
            for (int j = 0; j < n; j++) {
                int dkr = row(dk, b, h, j);
                int dvr = row(dv, b, h, j);
                for (int c = 0; c < dh; c++) {
                    gk[dkr + c] = dkAcc[j * dh + c] * scale;
                    gv[dvr + c] = dvAcc[j * dh + c];
                }
            }
        });
    }
}
