package dev.jmae.tensor.cpu;

import dev.jmae.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.jmae.tensor.cpu.CpuBackend.data;

/**
 * CPU row kernels for softmax, log-softmax, layer norm, GELU and AdamW: float32 Vector API code,
 * rows split across the {@link Parallel} pool. Operands are contiguous (see
 * {@link dev.jmae.tensor.Backend}).
 *
 * <p>Determinism: every output element is computed by one thread in a fixed order, and the
 * layer-norm weight and bias gradients are summed from fixed blocks of rows in block order, so
 * results do not depend on thread timing.
 */
final class CpuNn {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final float INV_SQRT_2 = 0.70710678118654752f;
    private static final float INV_SQRT_2PI = 0.39894228040143268f;
    /** Rows per block of the layer-norm parameter-gradient reduction. */
    private static final int LN_BLOCK_ROWS = 32;

    private CpuNn() {
    }

    private static int rowsPerTask(int cols) {
        return Math.max(1, CpuBackend.PARALLEL_MIN_ELEMENTS / Math.max(1, cols));
    }

    private static float sum(float[] a, int off, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int upper = S.loopBound(n); i < upper; i += L) {
            acc = acc.add(FloatVector.fromArray(S, a, off + i));
        }
        float s = VectorMath.sum(acc);
        for (; i < n; i++) {
            s += a[off + i];
        }
        return s;
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

    private static float max(float[] a, int off, int n) {
        float m = Float.NEGATIVE_INFINITY;
        int i = 0;
        int upper = S.loopBound(n);
        if (upper > 0) {
            FloatVector acc = FloatVector.fromArray(S, a, off);
            for (i = L; i < upper; i += L) {
                acc = acc.max(FloatVector.fromArray(S, a, off + i));
            }
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            m = Math.max(m, a[off + i]);
        }
        return m;
    }

    // ---- softmax ----

    static void softmaxForward(Tensor out, Tensor x, boolean log) {
        float[] o = data(out);
        float[] a = data(x);
        int cols = x.ndim() == 0 ? 1 : x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        int xo = x.offset();
        int oo = out.offset();
        Parallel.forRange(rows, rowsPerTask(cols), (s, e) -> {
            for (int r = s; r < e; r++) {
                int xr = xo + r * cols;
                int or = oo + r * cols;
                float m = max(a, xr, cols);
                FloatVector vm = FloatVector.broadcast(S, m);
                FloatVector acc = FloatVector.zero(S);
                int i = 0;
                int upper = S.loopBound(cols);
                for (; i < upper; i += L) {
                    FloatVector ex = VectorMath.exp(FloatVector.fromArray(S, a, xr + i).sub(vm));
                    acc = acc.add(ex);
                    if (!log) {
                        ex.intoArray(o, or + i);
                    }
                }
                float total = VectorMath.sum(acc);
                for (; i < cols; i++) {
                    float ex = VectorMath.exp(a[xr + i] - m);
                    total += ex;
                    if (!log) {
                        o[or + i] = ex;
                    }
                }
                if (log) {
                    float shift = m + (float) Math.log(total);
                    FloatVector vs = FloatVector.broadcast(S, shift);
                    for (i = 0; i < upper; i += L) {
                        FloatVector.fromArray(S, a, xr + i).sub(vs).intoArray(o, or + i);
                    }
                    for (; i < cols; i++) {
                        o[or + i] = a[xr + i] - shift;
                    }
                } else {
                    FloatVector inv = FloatVector.broadcast(S, 1f / total);
                    for (i = 0; i < upper; i += L) {
                        FloatVector.fromArray(S, o, or + i).mul(inv).intoArray(o, or + i);
                    }
                    float invs = 1f / total;
                    for (; i < cols; i++) {
                        o[or + i] *= invs;
                    }
                }
            }
        });
    }

    static void softmaxBackward(Tensor dx, Tensor y, Tensor dy, boolean log) {
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
                float c = log ? sum(g, gr, cols) : dot(g, gr, yy, yr, cols);
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

    static void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, float eps) {
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
                float m = sum(a, xr, cols) / cols;
                FloatVector vm = FloatVector.broadcast(S, m);
                FloatVector acc = FloatVector.zero(S);
                int i = 0;
                int upper = S.loopBound(cols);
                for (; i < upper; i += L) {
                    FloatVector dv = FloatVector.fromArray(S, a, xr + i).sub(vm);
                    acc = dv.fma(dv, acc);
                }
                float sq = VectorMath.sum(acc);
                for (; i < cols; i++) {
                    float dv = a[xr + i] - m;
                    sq += dv * dv;
                }
                float inv = (float) (1.0 / Math.sqrt(sq / cols + eps));
                mu[mean.offset() + r] = m;
                rs[rstd.offset() + r] = inv;
                FloatVector vinv = FloatVector.broadcast(S, inv);
                for (i = 0; i < upper; i += L) {
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

    static void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor mean, Tensor rstd, Tensor dy,
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
        int blocks = (rows + LN_BLOCK_ROWS - 1) / LN_BLOCK_ROWS;
        boolean paramGrads = dweight != null || dbias != null;
        float[] partW = paramGrads ? new float[blocks * cols] : null;
        float[] partB = paramGrads ? new float[blocks * cols] : null;
        Parallel.forTasks(blocks, blk -> {
            float[] scratch = w == null ? null : new float[cols];
            int r0 = blk * LN_BLOCK_ROWS;
            int r1 = Math.min(rows, r0 + LN_BLOCK_ROWS);
            for (int r = r0; r < r1; r++) {
                int xr = x.offset() + r * cols;
                int gr = dy.offset() + r * cols;
                int dr = dx.offset() + r * cols;
                float m = mu[mean.offset() + r];
                float inv = rs[rstd.offset() + r];
                FloatVector vm = FloatVector.broadcast(S, m);
                FloatVector vinv = FloatVector.broadcast(S, inv);
                // gsrc: g = dy * weight (materialized in scratch when there is a weight)
                float[] gs = g;
                int gso = gr;
                if (w != null) {
                    gs = scratch;
                    gso = 0;
                    int i = 0;
                    for (int upper = S.loopBound(cols); i < upper; i += L) {
                        FloatVector.fromArray(S, g, gr + i).mul(FloatVector.fromArray(S, w, wo + i)).intoArray(scratch, i);
                    }
                    for (; i < cols; i++) {
                        scratch[i] = g[gr + i] * w[wo + i];
                    }
                }
                FloatVector accG = FloatVector.zero(S);
                FloatVector accGX = FloatVector.zero(S);
                int i = 0;
                int upper = S.loopBound(cols);
                for (; i < upper; i += L) {
                    FloatVector xhat = FloatVector.fromArray(S, a, xr + i).sub(vm).mul(vinv);
                    FloatVector gc = FloatVector.fromArray(S, gs, gso + i);
                    accG = accG.add(gc);
                    accGX = gc.fma(xhat, accGX);
                }
                float sumG = VectorMath.sum(accG);
                float sumGX = VectorMath.sum(accGX);
                for (; i < cols; i++) {
                    float xhat = (a[xr + i] - m) * inv;
                    sumG += gs[gso + i];
                    sumGX += gs[gso + i] * xhat;
                }
                float meanG = sumG / cols;
                float meanGX = sumGX / cols;
                FloatVector vmg = FloatVector.broadcast(S, meanG);
                FloatVector vmgx = FloatVector.broadcast(S, meanGX);
                int pw = blk * cols;
                for (i = 0; i < upper; i += L) {
                    FloatVector xhat = FloatVector.fromArray(S, a, xr + i).sub(vm).mul(vinv);
                    FloatVector gc = FloatVector.fromArray(S, gs, gso + i);
                    gc.sub(vmg).sub(xhat.mul(vmgx)).mul(vinv).intoArray(d, dr + i);
                    if (paramGrads) {
                        FloatVector dyv = FloatVector.fromArray(S, g, gr + i);
                        dyv.fma(xhat, FloatVector.fromArray(S, partW, pw + i)).intoArray(partW, pw + i);
                        dyv.add(FloatVector.fromArray(S, partB, pw + i)).intoArray(partB, pw + i);
                    }
                }
                for (; i < cols; i++) {
                    float xhat = (a[xr + i] - m) * inv;
                    d[dr + i] = (gs[gso + i] - meanG - xhat * meanGX) * inv;
                    if (paramGrads) {
                        partW[pw + i] += g[gr + i] * xhat;
                        partB[pw + i] += g[gr + i];
                    }
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

    private static void sumBlocks(float[] parts, int blocks, int cols, float[] out, int off) {
        Parallel.forRange(cols, Math.max(L, CpuBackend.PARALLEL_MIN_ELEMENTS / Math.max(1, blocks)), (s, e) -> {
            for (int c = s; c < e; c++) {
                float acc = 0f;
                for (int b = 0; b < blocks; b++) {
                    acc += parts[b * cols + c];
                }
                out[off + c] = acc;
            }
        });
    }

    // ---- GELU ----

    static void geluForward(Tensor out, Tensor x) {
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

    static void geluBackward(Tensor dx, Tensor dy, Tensor x) {
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
            v.fma(pdf, FloatVector.fromArray(S, d, dxo + i)).mul(FloatVector.fromArray(S, g, go + i)).intoArray(d, dxo + i);
        }
        for (; i < e; i++) {
            float v = a[xo + i];
            float pdf = VectorMath.exp(v * v * -0.5f) * INV_SQRT_2PI;
            d[dxo + i] = Math.fma(v, pdf, d[dxo + i]) * g[go + i];
        }
    }

    // ---- AdamW ----

    static void adamwStep(Tensor param, Tensor expAvg, Tensor expAvgSq, Tensor grad, float lr, float beta1,
                          float beta2, float eps, float weightDecay, int step) {
        float[] p = data(param);
        float[] m = data(expAvg);
        float[] v = data(expAvgSq);
        float[] g = data(grad);
        int po = param.offset();
        int mo = expAvg.offset();
        int vo = expAvgSq.offset();
        int go = grad.offset();
        float decay = 1f - lr * weightDecay;
        float stepSize = (float) (lr / (1.0 - Math.pow(beta1, step)));
        float bc2Sqrt = (float) Math.sqrt(1.0 - Math.pow(beta2, step));
        float c1 = 1f - beta1;
        float c2 = 1f - beta2;
        Parallel.forRange(param.numel(), CpuBackend.PARALLEL_MIN_ELEMENTS, (s, e) -> {
            int i = s;
            for (int upper = s + S.loopBound(e - s); i < upper; i += L) {
                FloatVector gi = FloatVector.fromArray(S, g, go + i);
                FloatVector mi = FloatVector.fromArray(S, m, mo + i).mul(beta1).add(gi.mul(c1));
                FloatVector vi = FloatVector.fromArray(S, v, vo + i).mul(beta2).add(gi.mul(gi).mul(c2));
                mi.intoArray(m, mo + i);
                vi.intoArray(v, vo + i);
                FloatVector denom = vi.sqrt().div(bc2Sqrt).add(eps);
                FloatVector pi = FloatVector.fromArray(S, p, po + i).mul(decay);
                pi.sub(mi.div(denom).mul(stepSize)).intoArray(p, po + i);
            }
            for (; i < e; i++) {
                float gi = g[go + i];
                float mi = m[mo + i] * beta1 + gi * c1;
                float vi = v[vo + i] * beta2 + gi * gi * c2;
                m[mo + i] = mi;
                v[vo + i] = vi;
                float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
                p[po + i] = p[po + i] * decay - stepSize * (mi / denom);
            }
        });
    }
}
