package dev.jmae.tensor.cpu;

import dev.jmae.tensor.RowKernels;
import dev.jmae.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static dev.jmae.tensor.cpu.CpuBackend.data;

/**
 * CPU row kernels for softmax, log-softmax, layer norm and GELU: float32 Vector API code,
 * rows split across the {@link Parallel} pool. Operands are contiguous (see
 * {@link dev.jmae.tensor.Backend}).
 *
 * <p>Determinism: every output element is computed by one thread in a fixed order, and the
 * layer-norm weight and bias gradients are summed from fixed blocks of rows in block order, so
 * results do not depend on thread timing.
 */
final class CpuRows implements RowKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final float INV_SQRT_2 = 0.70710678118654752f;
    private static final float INV_SQRT_2PI = 0.39894228040143268f;
    /**
     * The layer-norm parameter gradients are summed per block of rows, then over blocks: blocks have
     * at least LN_MIN_BLOCK_ROWS rows and there are at most about LN_MAX_BLOCKS of them (the partial
     * sums are blocks × D floats each, allocated per call). Both depend on the shape only, never on
     * the thread count, so neither do the bits.
     */
    private static final int LN_MIN_BLOCK_ROWS = 32;
    private static final int LN_MAX_BLOCKS = 64;
    /** Floats of x per chunk of rows whose parameter-gradient partials are added at once (x and dy: 256 KB, inside L2). */
    private static final int LN_PARAM_CHUNK_FLOATS = 32768;
    /** Floats per block of short softmax rows (x and its exps: 16 KB, inside L1). */
    private static final int SOFTMAX_BLOCK = 2048;
    /** Rows at least this long are processed one at a time; shorter ones in blocks. */
    private static final int SOFTMAX_LONG_ROW = 256;

    CpuRows() {
    }

    private static int rowsPerTask(int cols) {
        return Math.max(1, CpuBackend.PARALLEL_MIN_ELEMENTS / Math.max(1, cols));
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int upper = S.loopBound(n); i < upper; i += L) {
            acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
        }
        float s = VectorMath.sum(acc);
        for (; i < n; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    @Override
    public void softmaxForward(Tensor out, Tensor x) {
        softmax(out, x, false);
    }

    @Override
    public void softmaxBackward(Tensor dx, Tensor y, Tensor dy) {
        softmaxGrad(dx, y, dy, false);
    }

    @Override
    public void logSoftmaxForward(Tensor out, Tensor x) {
        softmax(out, x, true);
    }

    @Override
    public void logSoftmaxBackward(Tensor dx, Tensor y, Tensor dy) {
        softmaxGrad(dx, y, dy, true);
    }

    // ---- softmax ----

    private static void softmax(Tensor out, Tensor x, boolean log) {
        float[] o = data(out);
        float[] a = data(x);
        int cols = x.ndim() == 0 ? 1 : x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        int xo = x.offset();
        int oo = out.offset();
        if (cols >= SOFTMAX_LONG_ROW) {
            Parallel.forRange(rows, rowsPerTask(cols), (s, e) -> {
                float[] exps = log ? new float[cols] : null;
                float[] max = new float[1];
                float[] sum = new float[1];
                for (int r = s; r < e; r++) {
                    int xr = xo + r * cols;
                    int or = oo + r * cols;
                    max[0] = RowReductions.max(a, xr, cols);
                    if (log) {
                        VectorMath.expSubtractSumRows(a, xr, max, exps, 0, 1, cols, sum);
                        subTwice(a, xr, max[0], (float) Math.log(sum[0]), o, or, cols);
                    } else {
                        VectorMath.expSubtractSumRows(a, xr, max, o, or, 1, cols, sum);
                        scale(o, or, 1f / sum[0], o, or, cols);
                    }
                }
            });
            return;
        }
        int blockRows = Math.max(1, SOFTMAX_BLOCK / cols);
        Parallel.forRange(rows, rowsPerTask(cols), (s, e) -> {
            // Short rows (attention scores: N = 50) are processed in blocks of about SOFTMAX_BLOCK
            // floats, one phase at a time: every row's max, then every row's exps (into a buffer
            // in L1) and their sum, then every row's output. A row's phases form one dependency
            // chain (max, lane reduction, exps, sum, lane reduction, division); phase by phase the
            // chains of a block's rows overlap instead of running back to back. No row has a
            // scalar tail: a row of at least L floats reads its last L floats as one vector
            // overlapping the one before, a shorter row uses one masked vector.
            int blockMax = Math.min(e - s, blockRows);
            float[] exps = new float[blockMax * cols + L];  // + L: a row shorter than L is read as a whole vector
            float[] max = new float[blockMax];
            float[] sum = new float[blockMax];
            for (int b0 = s; b0 < e; b0 += blockRows) {
                int n = Math.min(e, b0 + blockRows) - b0;
                int xb = xo + b0 * cols;
                int ob = oo + b0 * cols;
                for (int r = 0; r < n; r++) {
                    max[r] = shortRowMax(a, xb + r * cols, cols);
                }
                VectorMath.expSubtractSumRows(a, xb, max, exps, 0, n, cols, sum);
                for (int r = 0; r < n; r++) {
                    if (log) {
                        subtractTwiceShortRow(a, xb + r * cols, max[r], (float) Math.log(sum[r]), o, ob + r * cols,
                                cols);
                    } else {
                        scaleShortRow(exps, r * cols, 1f / sum[r], o, ob + r * cols, cols);
                    }
                }
            }
        });
    }

    /** The max of a[xr .. xr + n), a short row (n &lt; 256). */
    private static float shortRowMax(float[] a, int xr, int n) {
        if (n < L) {
            VectorMask<Float> in = S.indexInRange(0, n);
            return FloatVector.fromArray(S, a, xr, in).reduceLanes(VectorOperators.MAX, in);
        }
        int last = n - L;
        FloatVector max = FloatVector.fromArray(S, a, xr + last);
        for (int i = 0; i < last; i += L) {
            // compare and blend, not max(): Java's NaN and -0.0 rules cost three more instructions
            // and are not needed here (a NaN dropped from the vector max still turns every
            // x - max, and so the row, into NaN; x - (-0.0) = x - (+0.0))
            FloatVector v = FloatVector.fromArray(S, a, xr + i);
            max = max.blend(v, max.lt(v));
        }
        return max.reduceLanes(VectorOperators.MAX);
    }

    /** o[or + i] = e[er + i] * c for i in [0, n), a short row of another array (softmax's scaling). */
    private static void scaleShortRow(float[] e, int er, float c, float[] o, int or, int n) {
        FloatVector vc = FloatVector.broadcast(S, c);
        if (n < L) {
            FloatVector.fromArray(S, e, er).mul(vc).intoArray(o, or, S.indexInRange(0, n));
            return;
        }
        int last = n - L;
        for (int i = 0; i < last; i += L) {
            FloatVector.fromArray(S, e, er + i).mul(vc).intoArray(o, or + i);
        }
        FloatVector.fromArray(S, e, er + last).mul(vc).intoArray(o, or + last);
    }

    /**
     * o[or + i] = (a[xr + i] - c) - d for i in [0, n), a short row (log-softmax: c the max, d the
     * log of the sum; in this order for {@link #subTwice}'s reason). The last vector is read first,
     * so o may be a in place.
     */
    private static void subtractTwiceShortRow(float[] a, int xr, float c, float d, float[] o, int or, int n) {
        FloatVector vc = FloatVector.broadcast(S, c);
        FloatVector vd = FloatVector.broadcast(S, d);
        if (n < L) {
            VectorMask<Float> in = S.indexInRange(0, n);
            FloatVector.fromArray(S, a, xr, in).sub(vc).sub(vd).intoArray(o, or, in);
            return;
        }
        int last = n - L;
        FloatVector tail = FloatVector.fromArray(S, a, xr + last);
        for (int i = 0; i < last; i += L) {
            FloatVector.fromArray(S, a, xr + i).sub(vc).sub(vd).intoArray(o, or + i);
        }
        tail.sub(vc).sub(vd).intoArray(o, or + last);
    }

    /**
     * o[oo + i] = (a[ao + i] - c) - d for i in [0, n): log-softmax as (x - max) - log(sum). x - max
     * is exact near the maximum, where the output is near 0; x - (max + log(sum)) would round the
     * sum to ulp(max) first and lose every digit of a small output.
     */
    private static void subTwice(float[] a, int ao, float c, float d, float[] o, int oo, int n) {
        FloatVector vc = FloatVector.broadcast(S, c);
        FloatVector vd = FloatVector.broadcast(S, d);
        int i = 0;
        for (int upper = S.loopBound(n); i < upper; i += L) {
            FloatVector.fromArray(S, a, ao + i).sub(vc).sub(vd).intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = (a[ao + i] - c) - d;
        }
    }

    /**
     * dst[dOff + i] = src[sOff + i] * c for i in [0, n): a row scaled (in place when src and dst
     * are the same array at the same offset). Used by softmax and attention.
     */
    static void scale(float[] src, int sOff, float c, float[] dst, int dOff, int n) {
        FloatVector vc = FloatVector.broadcast(S, c);
        int i = 0;
        for (int upper = S.loopBound(n); i < upper; i += L) {
            FloatVector.fromArray(S, src, sOff + i).mul(vc).intoArray(dst, dOff + i);
        }
        for (; i < n; i++) {
            dst[dOff + i] = src[sOff + i] * c;
        }
    }

    private static void softmaxGrad(Tensor dx, Tensor y, Tensor dy, boolean log) {
        float[] d = data(dx);
        float[] yy = data(y);
        float[] g = data(dy);
        int cols = y.size(-1);
        int rows = cols == 0 ? 0 : y.numel() / cols;
        int yo = y.offset();
        int go = dy.offset();
        int dxo = dx.offset();
        Parallel.forRange(rows, rowsPerTask(cols), (s, e) -> {
            for (int r = s; r < e; r++) {
                int yr = yo + r * cols;
                int gr = go + r * cols;
                int dr = dxo + r * cols;
                float c = log ? RowReductions.sum(g, gr, cols) : dot(g, gr, yy, yr, cols);
                FloatVector vc = FloatVector.broadcast(S, c);
                int i = 0;
                for (int upper = S.loopBound(cols); i < upper; i += L) {
                    FloatVector vy = FloatVector.fromArray(S, yy, yr + i);
                    FloatVector vg = FloatVector.fromArray(S, g, gr + i);
                    (log ? vg.sub(VectorMath.exp(vy).mul(vc)) : vy.mul(vg.sub(vc))).intoArray(d, dr + i);
                }
                for (; i < cols; i++) {
                    d[dr + i] = log ? g[gr + i] - VectorMath.exp(yy[yr + i]) * c : yy[yr + i] * (g[gr + i] - c);
                }
            }
        });
    }

    // ---- layer norm ----

    @Override
    public void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias,
                                 float eps) {
        float[] o = data(out);
        float[] a = data(x);
        float[] mu = data(mean);
        float[] rs = data(rstd);
        float[] w = weight == null ? null : data(weight);
        float[] b = bias == null ? null : data(bias);
        int wo = weight == null ? 0 : weight.offset();
        int bo = bias == null ? 0 : bias.offset();
        int cols = x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        int xo = x.offset();
        int oo = out.offset();
        Parallel.forRange(rows, rowsPerTask(cols), (s, e) -> {
            for (int r = s; r < e; r++) {
                int xr = xo + r * cols;
                int or = oo + r * cols;
                float m = RowReductions.sum(a, xr, cols) / cols;
                float sq = RowReductions.sumSquaredDeviations(a, xr, m, cols);
                float inv = (float) (1.0 / Math.sqrt(sq / cols + eps));
                mu[mean.offset() + r] = m;
                rs[rstd.offset() + r] = inv;
                FloatVector vm = FloatVector.broadcast(S, m);
                FloatVector vinv = FloatVector.broadcast(S, inv);
                int i = 0;
                for (int upper = S.loopBound(cols); i < upper; i += L) {
                    FloatVector y = FloatVector.fromArray(S, a, xr + i).sub(vm).mul(vinv);
                    if (w != null) {
                        y = y.mul(FloatVector.fromArray(S, w, wo + i));
                    }
                    if (b != null) {
                        y = y.add(FloatVector.fromArray(S, b, bo + i));
                    }
                    y.intoArray(o, or + i);
                }
                for (; i < cols; i++) {
                    float y = (a[xr + i] - m) * inv;
                    if (w != null) {
                        y *= w[wo + i];
                    }
                    if (b != null) {
                        y += b[bo + i];
                    }
                    o[or + i] = y;
                }
            }
        });
    }

    @Override
    public void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor mean, Tensor rstd, Tensor dy,
                                  Tensor x, Tensor weight) {
        float[] d = data(dx);
        float[] a = data(x);
        float[] g = data(dy);
        float[] mu = data(mean);
        float[] rs = data(rstd);
        float[] w = weight == null ? null : data(weight);
        int wo = weight == null ? 0 : weight.offset();
        int cols = x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        int blockRows = Math.max(LN_MIN_BLOCK_ROWS, (rows + LN_MAX_BLOCKS - 1) / LN_MAX_BLOCKS);
        int blocks = (rows + blockRows - 1) / blockRows;
        boolean paramGrads = dweight != null || dbias != null;
        float[] partW = paramGrads ? new float[blocks * cols] : null;
        float[] partB = paramGrads ? new float[blocks * cols] : null;
        float[] wv = w != null ? w : ones(cols);
        int wvo = w != null ? wo : 0;
        int xo = x.offset();
        int go = dy.offset();
        int dxo = dx.offset();
        int mo = mean.offset();
        int ro = rstd.offset();
        int chunkRows = Math.max(1, LN_PARAM_CHUNK_FLOATS / Math.max(1, cols));
        Parallel.forTasks(blocks, blk -> {
            // with g = dy * weight and xhat = (x - mean) * rstd:
            // dx = rstd * (g - mean(g) - xhat * mean(g * xhat))
            int pw = blk * cols;
            int r0 = blk * blockRows;
            int r1 = Math.min(rows, r0 + blockRows);
            // sums[0, 2): this row's sums (g, g * xhat); sums[2, 4): the next row's
            float[] sums = new float[4];
            if (r0 < r1) {
                lnBackwardSums(a, xo + r0 * cols, g, go + r0 * cols, wv, wvo, mu[mo + r0], rs[ro + r0], cols, sums);
            }
            for (int r = r0; r < r1; r++) {
                int xr = xo + r * cols;
                int gr = go + r * cols;
                float m = mu[mo + r];
                float inv = rs[ro + r];
                float meanG = sums[0] / cols;
                float meanGX = sums[1] / cols;
                if (r + 1 < r1) {
                    // this row's dx and the next row's sums in one loop: the next row streams in from
                    // memory while this one, already in L1, is computed
                    lnBackwardRowAndNextSums(a, xr, g, gr, wv, wvo, m, inv, meanG, meanGX, d, dxo + r * cols, cols,
                            mu[mo + r + 1], rs[ro + r + 1], sums);
                    sums[0] = sums[2];
                    sums[1] = sums[3];
                } else {
                    lnBackwardRow(a, xr, g, gr, wv, wvo, m, inv, meanG, meanGX, d, dxo + r * cols, cols);
                }
                if (paramGrads && ((r + 1 - r0) % chunkRows == 0 || r + 1 == r1)) {
                    // the parameter gradients of the chunk of rows just done, while it is in L2
                    lnParamPartials(a, xo, g, go, mu, mo, rs, ro, r - (r - r0) % chunkRows, r + 1, cols, partW, partB,
                            pw);
                }
            }
        });
        if (dweight != null) {
            sumBlocks(partW, blocks, cols, data(dweight), dweight.offset());
        }
        if (dbias != null) {
            sumBlocks(partB, blocks, cols, data(dbias), dbias.offset());
        }
    }

    /**
     * partW[pw + c] += sum over rows [r0, r1) of dy * xhat and partB[pw + c] += sum of dy, for
     * every column c, rows added in order (the bits of accumulating them row by row), a strip of
     * columns at a time with the strip's sums in registers: the chunk's rows are still in L2 from
     * the dx pass, and no partial sum is loaded or stored per row.
     */
    private static void lnParamPartials(float[] a, int xo, float[] dy, int go, float[] mu, int mo, float[] rs, int ro,
                                        int r0, int r1, int cols, float[] partW, float[] partB, int pw) {
        int c = 0;
        int upper = S.loopBound(cols);
        for (; c + 4 * L <= upper; c += 4 * L) {
            FloatVector w0 = FloatVector.fromArray(S, partW, pw + c);
            FloatVector w1 = FloatVector.fromArray(S, partW, pw + c + L);
            FloatVector w2 = FloatVector.fromArray(S, partW, pw + c + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, partW, pw + c + 3 * L);
            FloatVector b0 = FloatVector.fromArray(S, partB, pw + c);
            FloatVector b1 = FloatVector.fromArray(S, partB, pw + c + L);
            FloatVector b2 = FloatVector.fromArray(S, partB, pw + c + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, partB, pw + c + 3 * L);
            for (int r = r0; r < r1; r++) {
                int xr = xo + r * cols + c;
                int gr = go + r * cols + c;
                FloatVector vm = FloatVector.broadcast(S, mu[mo + r]);
                FloatVector vi = FloatVector.broadcast(S, rs[ro + r]);
                FloatVector d0 = FloatVector.fromArray(S, dy, gr);
                FloatVector d1 = FloatVector.fromArray(S, dy, gr + L);
                FloatVector d2 = FloatVector.fromArray(S, dy, gr + 2 * L);
                FloatVector d3 = FloatVector.fromArray(S, dy, gr + 3 * L);
                w0 = d0.fma(FloatVector.fromArray(S, a, xr).sub(vm).mul(vi), w0);
                w1 = d1.fma(FloatVector.fromArray(S, a, xr + L).sub(vm).mul(vi), w1);
                w2 = d2.fma(FloatVector.fromArray(S, a, xr + 2 * L).sub(vm).mul(vi), w2);
                w3 = d3.fma(FloatVector.fromArray(S, a, xr + 3 * L).sub(vm).mul(vi), w3);
                b0 = b0.add(d0);
                b1 = b1.add(d1);
                b2 = b2.add(d2);
                b3 = b3.add(d3);
            }
            w0.intoArray(partW, pw + c);
            w1.intoArray(partW, pw + c + L);
            w2.intoArray(partW, pw + c + 2 * L);
            w3.intoArray(partW, pw + c + 3 * L);
            b0.intoArray(partB, pw + c);
            b1.intoArray(partB, pw + c + L);
            b2.intoArray(partB, pw + c + 2 * L);
            b3.intoArray(partB, pw + c + 3 * L);
        }
        for (; c < upper; c += L) {
            FloatVector w0 = FloatVector.fromArray(S, partW, pw + c);
            FloatVector b0 = FloatVector.fromArray(S, partB, pw + c);
            for (int r = r0; r < r1; r++) {
                FloatVector d0 = FloatVector.fromArray(S, dy, go + r * cols + c);
                FloatVector h0 = FloatVector.fromArray(S, a, xo + r * cols + c)
                        .sub(FloatVector.broadcast(S, mu[mo + r]))
                        .mul(FloatVector.broadcast(S, rs[ro + r]));
                w0 = d0.fma(h0, w0);
                b0 = b0.add(d0);
            }
            w0.intoArray(partW, pw + c);
            b0.intoArray(partB, pw + c);
        }
        for (; c < cols; c++) {
            float sw = partW[pw + c];
            float sb = partB[pw + c];
            for (int r = r0; r < r1; r++) {
                float d0 = dy[go + r * cols + c];
                sw = Math.fma(d0, (a[xo + r * cols + c] - mu[mo + r]) * rs[ro + r], sw);
                sb += d0;
            }
            partW[pw + c] = sw;
            partB[pw + c] = sb;
        }
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        return a;
    }

    /**
     * sums[0] = sum of g, sums[1] = sum of g * xhat over one row (g = dy * w, xhat = (x - m) * inv),
     * the second as inv times the sum of g * (x - m): one multiplication per row instead of one per
     * element.
     */
    private static void lnBackwardSums(float[] a, int xr, float[] dy, int gr, float[] w, int wo, float m, float inv,
                                       int cols, float[] sums) {
        // x - m, not fma(x, inv, -m * inv): a row equal to its mean must give 0
        FloatVector vm = FloatVector.broadcast(S, m);
        FloatVector accG = FloatVector.zero(S);
        FloatVector accGX = FloatVector.zero(S);
        int i = 0;
        for (int upper = S.loopBound(cols); i < upper; i += L) {
            FloatVector xc = FloatVector.fromArray(S, a, xr + i).sub(vm);
            FloatVector gc = FloatVector.fromArray(S, dy, gr + i).mul(FloatVector.fromArray(S, w, wo + i));
            accG = accG.add(gc);
            accGX = gc.fma(xc, accGX);
        }
        lnBackwardSumsTail(a, xr, dy, gr, w, wo, m, inv, VectorMath.sum(accG), VectorMath.sum(accGX), i, cols, sums, 0);
    }

    /**
     * Finishes {@link #lnBackwardSums} from the sums of the vector part: adds columns [from, cols)
     * and stores the two sums at sums[at] and sums[at + 1].
     */
    private static void lnBackwardSumsTail(float[] a, int xr, float[] dy, int gr, float[] w, int wo, float m, float inv,
                                           float sumG, float sumGX, int from, int cols, float[] sums, int at) {
        for (int i = from; i < cols; i++) {
            float gc = dy[gr + i] * w[wo + i];
            sumG += gc;
            sumGX = Math.fma(gc, a[xr + i] - m, sumGX);
        }
        sums[at] = sumG;
        sums[at + 1] = sumGX * inv;
    }

    /**
     * {@link #lnBackwardRow} for the row at xr, gr, dr and {@link #lnBackwardSums} for the next row
     * (at xr + cols and gr + cols, its mean m1 and rstd inv1) into sums[2, 4), fused into one loop
     * over the columns: the next row streams in from memory while this one, already in L1, is
     * computed. Each value gets exactly the operations, in the same order, of the two calls it
     * replaces. The parameter gradients are not here: they are summed afterwards, a strip of
     * columns at a time over a chunk of rows ({@link #lnParamPartials}), which spares this loop a
     * load and a store of two partial rows per vector.
     */
    private static void lnBackwardRowAndNextSums(float[] a, int xr, float[] dy, int gr, float[] w, int wo, float m,
                                                 float inv, float meanG, float meanGX, float[] d, int dr, int cols,
                                                 float m1, float inv1, float[] sums) {
        FloatVector vinv = FloatVector.broadcast(S, inv);
        FloatVector vm = FloatVector.broadcast(S, m);
        FloatVector vmg = FloatVector.broadcast(S, meanG);
        FloatVector vmgx = FloatVector.broadcast(S, -meanGX);
        FloatVector vm1 = FloatVector.broadcast(S, m1);
        FloatVector accG = FloatVector.zero(S);
        FloatVector accGX = FloatVector.zero(S);
        int xn = xr + cols;
        int gn = gr + cols;
        int upper = S.loopBound(cols);
        int i = 0;
        for (; i < upper; i += L) {
            FloatVector wi = FloatVector.fromArray(S, w, wo + i);
            FloatVector gc1 = FloatVector.fromArray(S, dy, gn + i).mul(wi);
            accG = accG.add(gc1);
            accGX = gc1.fma(FloatVector.fromArray(S, a, xn + i).sub(vm1), accGX);
            FloatVector xhat = FloatVector.fromArray(S, a, xr + i).sub(vm).mul(vinv);
            FloatVector dyv = FloatVector.fromArray(S, dy, gr + i);
            xhat.fma(vmgx, dyv.mul(wi).sub(vmg)).mul(vinv).intoArray(d, dr + i);
        }
        lnBackwardTail(a, xr, dy, gr, w, wo, m, inv, meanG, meanGX, d, dr, i, cols);
        lnBackwardSumsTail(a, xn, dy, gn, w, wo, m1, inv1, VectorMath.sum(accG), VectorMath.sum(accGX), i, cols, sums,
                2);
    }

    /**
     * dx = (g - meanG - xhat * meanGX) * inv over one row (g - meanG first, so a row of one
     * element gives exactly 0).
     */
    private static void lnBackwardRow(float[] a, int xr, float[] dy, int gr, float[] w, int wo, float m, float inv,
                                      float meanG, float meanGX, float[] d, int dr, int cols) {
        FloatVector vinv = FloatVector.broadcast(S, inv);
        // xhat as (x - m) * inv, not fma(x, inv, -m * inv): a row equal to its mean must give 0
        FloatVector vm = FloatVector.broadcast(S, m);
        FloatVector vmg = FloatVector.broadcast(S, meanG);
        FloatVector vmgx = FloatVector.broadcast(S, -meanGX);
        int i = 0;
        for (int upper = S.loopBound(cols); i < upper; i += L) {
            FloatVector xhat = FloatVector.fromArray(S, a, xr + i).sub(vm).mul(vinv);
            FloatVector gc = FloatVector.fromArray(S, dy, gr + i).mul(FloatVector.fromArray(S, w, wo + i));
            xhat.fma(vmgx, gc.sub(vmg)).mul(vinv).intoArray(d, dr + i);
        }
        lnBackwardTail(a, xr, dy, gr, w, wo, m, inv, meanG, meanGX, d, dr, i, cols);
    }

    /** The scalar part of {@link #lnBackwardRow}: columns [from, cols) of one row. */
    private static void lnBackwardTail(float[] a, int xr, float[] dy, int gr, float[] w, int wo, float m, float inv,
                                       float meanG, float meanGX, float[] d, int dr, int from, int cols) {
        for (int i = from; i < cols; i++) {
            float xhat = (a[xr + i] - m) * inv;
            float gc = dy[gr + i] * w[wo + i];
            d[dr + i] = Math.fma(xhat, -meanGX, gc - meanG) * inv;
        }
    }

    /**
     * out[off + c] = sum over b of parts[b * cols + c], summed in block order b = 0, 1, ... for
     * every column (so the bits do not depend on the split), a vector of columns at a time.
     */
    private static void sumBlocks(float[] parts, int blocks, int cols, float[] out, int off) {
        Parallel.forRange(cols, Math.max(L, CpuBackend.PARALLEL_MIN_ELEMENTS / Math.max(1, blocks)), (s, e) -> {
            int c = s;
            for (; c + L <= e; c += L) {
                FloatVector acc = FloatVector.fromArray(S, parts, c);
                for (int b = 1; b < blocks; b++) {
                    acc = acc.add(FloatVector.fromArray(S, parts, b * cols + c));
                }
                acc.intoArray(out, off + c);
            }
            for (; c < e; c++) {
                float acc = parts[c];
                for (int b = 1; b < blocks; b++) {
                    acc += parts[b * cols + c];
                }
                out[off + c] = acc;
            }
        });
    }

    // ---- GELU ----

    @Override
    public void geluForward(Tensor out, Tensor x) {
        float[] o = data(out);
        float[] a = data(x);
        int xo = x.offset();
        int oo = out.offset();
        Parallel.forRange(x.numel(), CpuBackend.PARALLEL_MIN_ELEMENTS, (s, e) -> {
            int i = s;
            for (int upper = s + S.loopBound(e - s); i < upper; i += L) {
                FloatVector v = FloatVector.fromArray(S, a, xo + i);
                VectorMath.erf(v.mul(INV_SQRT_2)).add(1f).mul(v).mul(0.5f).intoArray(o, oo + i);
            }
            for (; i < e; i++) {
                float v = a[xo + i];
                o[oo + i] = 0.5f * v * (1f + VectorMath.erf(v * INV_SQRT_2));
            }
        });
    }

    @Override
    public void geluBackward(Tensor dx, Tensor dy, Tensor x) {
        float[] d = data(dx);
        float[] g = data(dy);
        float[] a = data(x);
        int xo = x.offset();
        int go = dy.offset();
        int dxo = dx.offset();
        // Two passes per chunk, each calling one of erf and exp: with both in one loop body C2 stops
        // inlining them and boxes their vectors. The stored Phi(x) is the same float either way.
        Parallel.forRange(x.numel(), CpuBackend.PARALLEL_MIN_ELEMENTS, (s, e) -> {
            geluCdf(a, xo, d, dxo, s, e);
            geluGrad(a, xo, g, go, d, dxo, s, e);
        });
    }

    /** d[i] = Phi(a[i]) = (1 + erf(a[i]/sqrt 2))/2 for i in [s, e). */
    private static void geluCdf(float[] a, int xo, float[] d, int dxo, int s, int e) {
        int i = s;
        for (int upper = s + S.loopBound(e - s); i < upper; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, xo + i);
            VectorMath.erf(v.mul(INV_SQRT_2)).add(1f).mul(0.5f).intoArray(d, dxo + i);
        }
        for (; i < e; i++) {
            d[dxo + i] = (VectorMath.erf(a[xo + i] * INV_SQRT_2) + 1f) * 0.5f;
        }
    }

    /** d[i] = g[i]·(x·phi(x) + d[i]) with phi(x) = exp(-x²/2)/sqrt(2 pi), d[i] holding Phi(x). */
    private static void geluGrad(float[] a, int xo, float[] g, int go, float[] d, int dxo, int s, int e) {
        int i = s;
        for (int upper = s + S.loopBound(e - s); i < upper; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, xo + i);
            FloatVector pdf = VectorMath.exp(v.mul(v).mul(-0.5f)).mul(INV_SQRT_2PI);
            v.fma(pdf, FloatVector.fromArray(S, d, dxo + i)).mul(FloatVector.fromArray(S, g, go + i)).intoArray(d,
                    dxo + i);
        }
        for (; i < e; i++) {
            float v = a[xo + i];
            float pdf = VectorMath.exp(v * v * -0.5f) * INV_SQRT_2PI;
            d[dxo + i] = Math.fma(v, pdf, d[dxo + i]) * g[go + i];
        }
    }

    // ---- AdamW ----

}
