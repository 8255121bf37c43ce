package dev.jmae.tensor.cpu;

import dev.jmae.tensor.AttentionKernels;
import dev.jmae.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static dev.jmae.tensor.cpu.CpuBackend.data;

/**
 * Fused scaled dot-product attention on the CPU, float32, one task per (batch, head) on the
 * {@link Parallel} pool.
 *
 * <p>Every phase is a small matrix product run by a register-blocked micro-kernel (4 rows × 2 or
 * 1 vectors of columns, accumulators in registers, one broadcast per row and k): per head, K and V
 * are packed once into zero-padded per-thread scratch so column counts are multiples of the vector
 * length (no scalar tails). Forward takes 4 query rows at a time: S = Q·Kᵀ (4 × N), softmax in
 * place (padded columns set to -inf, so they contribute 0), O = P·V. Backward recomputes P from the
 * saved log-sum-exp, forms dS = P ∘ (dO·Vᵀ - rowsum(dO ∘ O)) and dQ = scale·dS·K per block, keeps
 * P and dS of the current head in per-thread scratch, and finishes with dK = scale·dSᵀ·Q and
 * dV = Pᵀ·dO. No [B, H, M, N] tensor is materialized.
 *
 * <p>Shapes: q [B, H, M, Dh], k and v [B, H, N, Dh], out and dq like q, dk and dv like k, lse
 * [B, H, M]; every operand's last dim is contiguous, other strides are arbitrary. Outputs are
 * overwritten. Each output element is accumulated in a fixed order, so results are deterministic.
 */
final class CpuAttention implements AttentionKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Query (or key) rows per micro-kernel block. */
    private static final int R = 4;

    /** Per-thread scratch buffers, grown on demand. */
    private static final class Scratch {
        float[] kt = new float[0];
        float[] vt = new float[0];
        float[] kp = new float[0];
        float[] vp = new float[0];
        float[] qp = new float[0];
        float[] gp = new float[0];
        float[] s = new float[0];
        float[] ds = new float[0];
        float[] tile = new float[0];

        static float[] grow(float[] a, int n) {
            return a.length >= n ? a : new float[Math.max(n, a.length * 2)];
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    CpuAttention() {
    }

    private static int pad(int n) {
        return (n + L - 1) / L * L;
    }

    /** Row base offset of (b, h, i) in a 4-d tensor. */
    private static int row(Tensor t, int b, int h, int i) {
        return t.offset() + b * t.stride(0) + h * t.stride(1) + i * t.stride(2);
    }

    /**
     * dst[c·ldd + j] = src[base + j·rowStride + c] for j &lt; n, c &lt; dh; padding columns (j from n
     * to ldd) zero: a head's keys or values transposed, by {@link GemmPacking#packColumns} (16 x 16
     * blocks transposed in registers with 16 lanes; copied one element at a time, it had two thirds
     * as many profile samples as the attention products it feeds in the 32-px MAE step, 65 keys;
     * docs/journal.md 2026-12-07).
     */
    private static void packTransposed(float[] src, int base, int rowStride, int n, int dh, float[] dst, int ldd) {
        GemmPacking.packColumns(dh, n, ldd, src, base, rowStride, dst, 0);
    }

    /** dst[j·ldd + c] = src[base + j·rowStride + c] for j &lt; n, c &lt; dh; zero padding up to rows·ldd. */
    private static void packRows(float[] src, int base, int rowStride, int n, int dh, float[] dst, int ldd, int rows) {
        Arrays.fill(dst, 0, rows * ldd, 0f);
        for (int j = 0; j < n; j++) {
            System.arraycopy(src, base + j * rowStride, dst, j * ldd, dh);
        }
    }

    /**
     * C[4, w] = A[4, K]·B[K, w] with w = 2L or L columns (overwrite). A(r, k) is
     * a[ar + k·aCs] for the four row offsets ar; B's row k starts at b[bOff + k·bRs]; C's row r
     * at c[cOff + r·cRs].
     */
    private static void kernel(int kLen, int width, float[] a, int a0, int a1, int a2, int a3, int aCs,
                               float[] b, int bOff, int bRs, float[] c, int cOff, int cRs) {
        if (width == 2 * L) {
            kernel4x2(kLen, a, a0, a1, a2, a3, aCs, b, bOff, bRs, c, cOff, cRs);
        } else {
            kernel4x1(kLen, a, a0, a1, a2, a3, aCs, b, bOff, bRs, c, cOff, cRs);
        }
    }

    private static void kernel4x2(int kLen, float[] a, int a0, int a1, int a2, int a3, int aCs,
                                  float[] b, int bOff, int bRs, float[] c, int cOff, int cRs) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        for (int k = 0; k < kLen; k++) {
            int bo = bOff + k * bRs;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            int ak = k * aCs;
            FloatVector x = FloatVector.broadcast(S, a[a0 + ak]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + ak]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + ak]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + ak]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + cRs);
        c11.intoArray(c, cOff + cRs + L);
        c20.intoArray(c, cOff + 2 * cRs);
        c21.intoArray(c, cOff + 2 * cRs + L);
        c30.intoArray(c, cOff + 3 * cRs);
        c31.intoArray(c, cOff + 3 * cRs + L);
    }

    private static void kernel4x1(int kLen, float[] a, int a0, int a1, int a2, int a3, int aCs,
                                  float[] b, int bOff, int bRs, float[] c, int cOff, int cRs) {
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector c3 = c0;
        for (int k = 0; k < kLen; k++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bOff + k * bRs);
            int ak = k * aCs;
            c0 = FloatVector.broadcast(S, a[a0 + ak]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + ak]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2 + ak]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3 + ak]).fma(b0, c3);
        }
        c0.intoArray(c, cOff);
        c1.intoArray(c, cOff + cRs);
        c2.intoArray(c, cOff + 2 * cRs);
        c3.intoArray(c, cOff + 3 * cRs);
    }

    /** C[4, wTotal] = A·B over the whole padded width, in chunks of 2L (then L) columns. */
    private static void product(int kLen, int wTotal, float[] a, int[] ar, int aCs, float[] b, int bRs, float[] c,
                                int cRs) {
        for (int col = 0; col < wTotal; col += 2 * L) {
            int width = Math.min(2 * L, wTotal - col);
            kernel(kLen, width, a, ar[0], ar[1], ar[2], ar[3], aCs, b, col, bRs, c, col, cRs);
        }
    }

    /**
     * Scales row {@code off} of s by scale in place and returns its max (padded columns are -inf,
     * so they take no part and later exponentiate to 0).
     */
    private static float scaleRowMax(float[] s, int off, int npad, float scale) {
        FloatVector vs = FloatVector.broadcast(S, scale);
        FloatVector mx = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < npad; j += L) {
            FloatVector x = FloatVector.fromArray(S, s, off + j).mul(vs);
            x.intoArray(s, off + j);
            mx = mx.max(x);
        }
        return mx.reduceLanes(VectorOperators.MAX);
    }

    /** Row offsets of 4 consecutive rows starting at i0 (rows past the end repeat the last one). */
    private static void rows(int[] dst, Tensor t, int b, int h, int i0, int count) {
        for (int r = 0; r < R; r++) {
            dst[r] = row(t, b, h, Math.min(i0 + r, count - 1));
        }
    }

    @Override
    public void attentionForward(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, float scale) {
        int batch = q.size(0);
        int heads = q.size(1);
        int m = q.size(2);
        int n = k.size(2);
        int dh = q.size(3);
        int npad = pad(n);
        int dpad = pad(dh);
        float[] qq = data(q);
        float[] kk = data(k);
        float[] vv = data(v);
        float[] o = data(out);
        float[] l = data(lse);
        Parallel.forTasks(batch * heads, t -> {
            int b = t / heads;
            int h = t % heads;
            Scratch sc = SCRATCH.get();
            sc.kt = Scratch.grow(sc.kt, dh * npad);
            sc.vp = Scratch.grow(sc.vp, npad * dpad);
            sc.s = Scratch.grow(sc.s, R * npad);
            sc.tile = Scratch.grow(sc.tile, R * dpad);
            float[] kt = sc.kt;
            float[] vp = sc.vp;
            float[] s = sc.s;
            float[] tile = sc.tile;
            packTransposed(kk, row(k, b, h, 0), k.stride(2), n, dh, kt, npad);
            packRows(vv, row(v, b, h, 0), v.stride(2), n, dh, vp, dpad, npad);
            int[] qr = new int[R];
            int[] sr = {0, npad, 2 * npad, 3 * npad};
            float[] max = new float[R];
            float[] sum = new float[R];
            for (int i0 = 0; i0 < m; i0 += R) {
                int rowsHere = Math.min(R, m - i0);
                rows(qr, q, b, h, i0, m);
                product(dh, npad, qq, qr, 1, kt, npad, s, npad);
                // P = exp(scale·S - max) in place of S, and each row's sum
                for (int r = 0; r < R; r++) {
                    Arrays.fill(s, r * npad + n, r * npad + npad, Float.NEGATIVE_INFINITY);
                    max[r] = scaleRowMax(s, r * npad, npad, scale);
                }
                VectorMath.expSubtractSumRows(s, 0, max, s, 0, R, npad, sum);
                // O = exp(S - max)·V / sum, the division applied when storing
                product(n, dpad, s, sr, 1, vp, dpad, tile, dpad);
                for (int r = 0; r < rowsHere; r++) {
                    float inv = 1f / sum[r];
                    CpuRows.scale(tile, r * dpad, inv, o, row(out, b, h, i0 + r), dh);
                    l[lse.offset() + t * m + i0 + r] = max[r] + (float) Math.log(sum[r]);
                }
            }
        });
    }

    @Override
    public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor out, Tensor lse, Tensor dout, Tensor q,
                                  Tensor k,
                                  Tensor v, float scale) {
        int batch = q.size(0);
        int heads = q.size(1);
        int m = q.size(2);
        int n = k.size(2);
        int dh = q.size(3);
        int npad = pad(n);
        int dpad = pad(dh);
        float[] qq = data(q);
        float[] kk = data(k);
        float[] vv = data(v);
        float[] oo = data(out);
        float[] l = data(lse);
        float[] go = data(dout);
        float[] gq = data(dq);
        float[] gk = data(dk);
        float[] gv = data(dv);
        Parallel.forTasks(batch * heads, t -> {
            int b = t / heads;
            int h = t % heads;
            Scratch sc = SCRATCH.get();
            sc.kt = Scratch.grow(sc.kt, dh * npad);
            sc.vt = Scratch.grow(sc.vt, dh * npad);
            sc.kp = Scratch.grow(sc.kp, npad * dpad);
            sc.qp = Scratch.grow(sc.qp, m * dpad);
            sc.gp = Scratch.grow(sc.gp, m * dpad);
            sc.s = Scratch.grow(sc.s, (m + R) * npad);
            sc.ds = Scratch.grow(sc.ds, (m + R) * npad);
            sc.tile = Scratch.grow(sc.tile, R * dpad);
            float[] kt = sc.kt;
            float[] vt = sc.vt;
            float[] kp = sc.kp;
            float[] qp = sc.qp;
            float[] gp = sc.gp;
            float[] p = sc.s;
            float[] ds = sc.ds;
            float[] tile = sc.tile;
            packTransposed(kk, row(k, b, h, 0), k.stride(2), n, dh, kt, npad);
            packTransposed(vv, row(v, b, h, 0), v.stride(2), n, dh, vt, npad);
            packRows(kk, row(k, b, h, 0), k.stride(2), n, dh, kp, dpad, npad);
            packRows(qq, row(q, b, h, 0), q.stride(2), m, dh, qp, dpad, m);
            packRows(go, row(dout, b, h, 0), dout.stride(2), m, dh, gp, dpad, m);
            int[] qr = new int[R];
            int[] gr = new int[R];
            float[] drs = new float[R];
            float[] lses = new float[R];
            float[] sums = new float[R];
            for (int i0 = 0; i0 < m; i0 += R) {
                int rowsHere = Math.min(R, m - i0);
                int[] pr = {i0 * npad, (i0 + 1) * npad, (i0 + 2) * npad, (i0 + 3) * npad};
                rows(qr, q, b, h, i0, m);
                rows(gr, dout, b, h, i0, m);
                // P = exp(scale·Q·Kᵀ - lse), into rows i0.. of p (the scratch has R spare rows)
                productAt(dh, npad, qq, qr, 1, kt, npad, p, i0 * npad, npad);
                // dP = dO·Vᵀ, into rows i0.. of ds
                productAt(dh, npad, go, gr, 1, vt, npad, ds, i0 * npad, npad);
                for (int r = 0; r < rowsHere; r++) {
                    // Dr = rowsum(dO ∘ O), in a fixed order
                    int orow = row(out, b, h, i0 + r);
                    int grow = row(dout, b, h, i0 + r);
                    float dr = 0f;
                    for (int c = 0; c < dh; c++) {
                        dr += go[grow + c] * oo[orow + c];
                    }
                    drs[r] = dr;
                    lses[r] = l[lse.offset() + t * m + i0 + r];
                    scaleRow(p, (i0 + r) * npad, n, npad, scale);
                }
                // P = exp(scale·S - lse) in place; a method on arrays, so that C2 declining to
                // inline it into this large task (five products) never boxes vectors
                VectorMath.expSubtractSumRows(p, i0 * npad, lses, p, i0 * npad, rowsHere, npad, sums);
                for (int r = 0; r < rowsHere; r++) {
                    scoreGrads(p, ds, (i0 + r) * npad, npad, drs[r]);
                }
                // dQ = scale·dS·K
                product(npad, dpad, ds, pr, 1, kp, dpad, tile, dpad);
                for (int r = 0; r < rowsHere; r++) {
                    CpuRows.scale(tile, r * dpad, scale, gq, row(dq, b, h, i0 + r), dh);
                }
            }
            // dK = scale·dSᵀ·Q and dV = Pᵀ·dO: rows j of the transposes are columns of ds and p
            int[] jr = new int[R];
            for (int j0 = 0; j0 < n; j0 += R) {
                int rowsHere = Math.min(R, n - j0);
                for (int r = 0; r < R; r++) {
                    jr[r] = Math.min(j0 + r, n - 1);
                }
                product(m, dpad, ds, jr, npad, qp, dpad, tile, dpad);
                for (int r = 0; r < rowsHere; r++) {
                    CpuRows.scale(tile, r * dpad, scale, gk, row(dk, b, h, j0 + r), dh);
                }
                product(m, dpad, p, jr, npad, gp, dpad, tile, dpad);
                for (int r = 0; r < rowsHere; r++) {
                    System.arraycopy(tile, r * dpad, gv, row(dv, b, h, j0 + r), dh);
                }
            }
        });
    }

    /**
     * Row {@code off} of backward's scores times scale in place, its padded columns -inf (so that
     * P = exp(scale·S - lse) gives them 0).
     */
    private static void scaleRow(float[] p, int off, int n, int npad, float scale) {
        FloatVector vs = FloatVector.broadcast(S, scale);
        for (int j = 0; j < npad; j += L) {
            FloatVector.fromArray(S, p, off + j).mul(vs).intoArray(p, off + j);
        }
        Arrays.fill(p, off + n, off + npad, Float.NEGATIVE_INFINITY);
    }

    /** dS = P ∘ (dP - Dr) in place of dP, one row of backward. */
    private static void scoreGrads(float[] p, float[] ds, int off, int npad, float dr) {
        FloatVector vdr = FloatVector.broadcast(S, dr);
        for (int j = 0; j < npad; j += L) {
            FloatVector.fromArray(S, p, off + j).mul(FloatVector.fromArray(S, ds, off + j).sub(vdr)).intoArray(ds,
                    off + j);
        }
    }

    /** product() writing into c at an offset. */
    private static void productAt(int kLen, int wTotal, float[] a, int[] ar, int aCs, float[] b, int bRs, float[] c,
                                  int cOff,
                                  int cRs) {
        for (int col = 0; col < wTotal; col += 2 * L) {
            int width = Math.min(2 * L, wTotal - col);
            kernel(kLen, width, a, ar[0], ar[1], ar[2], ar[3], aCs, b, col, bRs, c, cOff + col, cRs);
        }
    }
}
