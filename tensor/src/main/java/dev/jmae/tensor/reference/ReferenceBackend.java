package dev.jmae.tensor.reference;

import dev.jmae.tensor.Backend;
import dev.jmae.tensor.BinaryOp;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.HeapStorage;
import dev.jmae.tensor.MemoryStats;
import dev.jmae.tensor.ReduceOp;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Storage;
import dev.jmae.tensor.StridedLoop;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.UnaryOp;

import java.util.Arrays;

/**
 * The {@code reference} backend: the executable specification every other backend is tested
 * against. Plain loops, one element at a time, arithmetic and accumulation in double precision,
 * results rounded to float32 once at the end. No threads, no vectors; clarity over speed.
 *
 * <p>Movement, elementwise ops, reductions and matmul are here; neural-network kernels are in
 * {@link ReferenceNn}, indexing in {@link ReferenceIndexing}.
 */
public final class ReferenceBackend implements Backend {

    private final MemoryStats memory = new MemoryStats();

    /** Creates the backend (one instance serves the {@code reference} device). */
    public ReferenceBackend() {
    }

    static float[] data(Tensor t) {
        return ((HeapStorage) t.storage()).data();
    }

    @Override
    public Device device() {
        return Device.REFERENCE;
    }

    @Override
    public MemoryStats memory() {
        return memory;
    }

    @Override
    public Storage allocate(int numel) {
        return new HeapStorage(Device.REFERENCE, numel, memory);
    }

    // ---- transfer and movement ----

    @Override
    public void write(Tensor dst, float[] src, int srcOffset) {
        System.arraycopy(src, srcOffset, data(dst), dst.offset(), dst.numel());
    }

    @Override
    public void read(float[] dst, int dstOffset, Tensor src) {
        float[] s = data(src);
        int[] next = {dstOffset};
        forEach(src.shape(), new Tensor[] {src}, (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                dst[next[0]++] = s[off[0] + i * st[0]];
            }
        });
    }

    @Override
    public void fill(Tensor out, float value) {
        float[] o = data(out);
        forEach(out.shape(), new Tensor[] {out}, (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                o[off[0] + i * st[0]] = value;
            }
        });
    }

    @Override
    public void copy(Tensor out, Tensor src) {
        float[] o = data(out);
        float[] s = data(src);
        forEach(out.shape(), new Tensor[] {out, src}, (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                o[off[0] + i * st[0]] = s[off[1] + i * st[1]];
            }
        });
    }

    /** Visits every element of same-shape operands, row by row. */
    static void forEach(int[] shape, Tensor[] operands, StridedLoop.Row row) {
        StridedLoop loop = StridedLoop.of(shape, operands);
        loop.forRows(0, loop.rows(), row);
    }

    // ---- elementwise ----

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        float[] o = data(out);
        float[] a = data(x);
        forEach(out.shape(), new Tensor[] {out, x}, (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                o[off[0] + i * st[0]] = (float) op.apply(a[off[1] + i * st[1]]);
            }
        });
    }

    @Override
    public void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        float[] o = data(out);
        float[] x = data(a);
        float[] y = data(b);
        forEach(out.shape(), new Tensor[] {out, a, b}, (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                o[off[0] + i * st[0]] = (float) op.apply(x[off[1] + i * st[1]], y[off[2] + i * st[2]]);
            }
        });
    }

    @Override
    public void binaryScalar(BinaryOp op, Tensor out, Tensor a, float scalar) {
        float[] o = data(out);
        float[] x = data(a);
        forEach(out.shape(), new Tensor[] {out, a}, (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                o[off[0] + i * st[0]] = (float) op.apply(x[off[1] + i * st[1]], scalar);
            }
        });
    }

    @Override
    public void where(Tensor out, Tensor cond, Tensor a, Tensor b) {
        float[] o = data(out);
        float[] c = data(cond);
        float[] x = data(a);
        float[] y = data(b);
        forEach(out.shape(), new Tensor[] {out, cond, a, b}, (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                o[off[0] + i * st[0]] = c[off[1] + i * st[1]] != 0 ? x[off[2] + i * st[2]] : y[off[3] + i * st[3]];
            }
        });
    }

    // ---- reductions ----

    /**
     * Calls {@code body} once per output element with the reduced slice of x: the output offset
     * and a loop over the slice.
     */
    interface SliceBody {
        void run(int outOffset, StridedLoop slice);
    }

    static void forEachSlice(Tensor out, Tensor x, int[] dims, SliceBody body) {
        int[] shape = x.shape();
        int[] xStrides = x.strides();
        // Outer loop: the output shape (size 1 at reduced dims); inner loop: the reduced dims only.
        int[] sliceShape = new int[shape.length];
        Arrays.fill(sliceShape, 1);
        for (int d : dims) {
            sliceShape[d] = shape[d];
        }
        int[] outShape = out.shape();
        int[] outerXStrides = xStrides.clone();
        for (int d : dims) {
            outerXStrides[d] = 0;
        }
        StridedLoop outer = StridedLoop.of(outShape, new int[][] {out.strides(), outerXStrides},
                new int[] {out.offset(), x.offset()});
        outer.forRows(0, outer.rows(), (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                StridedLoop slice = StridedLoop.of(sliceShape, new int[][] {xStrides}, new int[] {off[1] + i * st[1]});
                body.run(off[0] + i * st[0], slice);
            }
        });
    }

    @Override
    public void reduce(ReduceOp op, Tensor out, Tensor x, int[] dims) {
        float[] o = data(out);
        float[] a = data(x);
        long count = 1;
        for (int d : dims) {
            count *= x.size(d);
        }
        long n = count;
        forEachSlice(out, x, dims, (outOff, slice) -> {
            double[] acc = {op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY
                    : op == ReduceOp.MIN ? Double.POSITIVE_INFINITY : 0.0};
            slice.forRows(0, slice.rows(), (off, len, st) -> {
                for (int i = 0; i < len; i++) {
                    double v = a[off[0] + i * st[0]];
                    switch (op) {
                        case SUM, MEAN -> acc[0] += v;
                        case MAX -> acc[0] = Double.isNaN(v) || Double.isNaN(acc[0]) ? Double.NaN : Math.max(acc[0], v);
                        case MIN -> acc[0] = Double.isNaN(v) || Double.isNaN(acc[0]) ? Double.NaN : Math.min(acc[0], v);
                    }
                }
            });
            o[outOff] = (float) (op == ReduceOp.MEAN ? acc[0] / n : acc[0]);
        });
    }

    @Override
    public void var(Tensor out, Tensor x, int[] dims, double correction) {
        float[] o = data(out);
        float[] a = data(x);
        long count = 1;
        for (int d : dims) {
            count *= x.size(d);
        }
        long n = count;
        forEachSlice(out, x, dims, (outOff, slice) -> {
            double[] sum = {0.0};
            slice.forRows(0, slice.rows(), (off, len, st) -> {
                for (int i = 0; i < len; i++) {
                    sum[0] += a[off[0] + i * st[0]];
                }
            });
            double mean = sum[0] / n;
            double[] sq = {0.0};
            slice.forRows(0, slice.rows(), (off, len, st) -> {
                for (int i = 0; i < len; i++) {
                    double dv = a[off[0] + i * st[0]] - mean;
                    sq[0] += dv * dv;
                }
            });
            o[outOff] = (float) (sq[0] / Math.max(0.0, n - correction));
        });
    }

    @Override
    public void argmax(Tensor out, Tensor x, int dim) {
        float[] o = data(out);
        float[] a = data(x);
        int size = x.size(dim);
        int stride = x.stride(dim);
        forEachSlice(out, x, new int[] {dim}, (outOff, slice) -> {
            slice.forRows(0, 1, (off, len, st) -> {
                int best = 0;
                float bestValue = a[off[0]];
                for (int i = 1; i < size; i++) {
                    float v = a[off[0] + i * stride];
                    if (!Float.isNaN(bestValue) && (Float.isNaN(v) || v > bestValue)) {
                        best = i;
                        bestValue = v;
                    }
                }
                o[outOff] = best;
            });
        });
    }

    // ---- linear algebra ----

    @Override
    public void matmul(Tensor out, Tensor a, Tensor b, Tensor bias) {
        int nd = out.ndim();
        int m = out.size(nd - 2);
        int n = out.size(nd - 1);
        int k = a.size(nd - 1);
        int[] batch = Arrays.copyOf(out.shape(), nd - 2);
        float[] o = data(out);
        float[] x = data(a);
        float[] y = data(b);
        float[] bi = bias == null ? null : data(bias);
        int biasOff = bias == null ? 0 : bias.offset();
        int biasStride = bias == null ? 0 : bias.stride(0);
        int[] as = a.strides();
        int[] bs = b.strides();
        int[] os = out.strides();
        StridedLoop loop = StridedLoop.of(batch,
                new int[][] {Arrays.copyOf(os, nd - 2), Arrays.copyOf(as, nd - 2), Arrays.copyOf(bs, nd - 2)},
                new int[] {out.offset(), a.offset(), b.offset()});
        if (Shape.numel(batch) == 0) {
            return;
        }
        loop.forRows(0, loop.rows(), (off, len, st) -> {
            for (int i = 0; i < len; i++) {
                ReferenceGemm.sgemm(m, n, k,
                        x, off[1] + i * st[1], as[nd - 2], as[nd - 1],
                        y, off[2] + i * st[2], bs[nd - 2], bs[nd - 1],
                        o, off[0] + i * st[0], os[nd - 2],
                        bi, biasOff, biasStride, false);
            }
        });
    }

    // ---- neural-network kernels: see ReferenceNn ----

    @Override
    public void softmaxForward(Tensor out, Tensor x) {
        ReferenceNn.softmaxForward(out, x, false);
    }

    @Override
    public void softmaxBackward(Tensor dx, Tensor y, Tensor dy) {
        ReferenceNn.softmaxBackward(dx, y, dy, false);
    }

    @Override
    public void logSoftmaxForward(Tensor out, Tensor x) {
        ReferenceNn.softmaxForward(out, x, true);
    }

    @Override
    public void logSoftmaxBackward(Tensor dx, Tensor y, Tensor dy) {
        ReferenceNn.softmaxBackward(dx, y, dy, true);
    }

    @Override
    public void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, float eps) {
        ReferenceNn.layerNormForward(out, mean, rstd, x, weight, bias, eps);
    }

    @Override
    public void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor mean, Tensor rstd, Tensor dy,
                                  Tensor x, Tensor weight) {
        ReferenceNn.layerNormBackward(dx, dweight, dbias, mean, rstd, dy, x, weight);
    }

    @Override
    public void geluForward(Tensor out, Tensor x) {
        ReferenceNn.geluForward(out, x);
    }

    @Override
    public void geluBackward(Tensor dx, Tensor dy, Tensor x) {
        ReferenceNn.geluBackward(dx, dy, x);
    }

    @Override
    public void attentionForward(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, float scale) {
        ReferenceNn.attentionForward(out, lse, q, k, v, scale);
    }

    @Override
    public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor out, Tensor lse, Tensor dout, Tensor q,
                                  Tensor k, Tensor v, float scale) {
        ReferenceNn.attentionBackward(dq, dk, dv, out, lse, dout, q, k, v, scale);
    }

    // ---- indexing: see ReferenceIndexing ----

    @Override
    public void gather(Tensor out, Tensor x, Tensor index, int dim) {
        ReferenceIndexing.gather(out, x, index, dim);
    }

    @Override
    public void scatter(Tensor out, Tensor index, Tensor src, int dim, boolean add) {
        ReferenceIndexing.scatter(out, index, src, dim, add);
    }

    @Override
    public void indexSelect(Tensor out, Tensor x, Tensor index, int dim) {
        ReferenceIndexing.indexSelect(out, x, index, dim);
    }

    @Override
    public void argsort(Tensor out, Tensor x, boolean descending) {
        ReferenceIndexing.argsort(out, x, descending);
    }

    // ---- optimizers ----

    @Override
    public void adamwStep(Tensor param, Tensor expAvg, Tensor expAvgSq, Tensor grad, float lr, float beta1,
                          float beta2, float eps, float weightDecay, int step) {
        float[] p = data(param);
        float[] m = data(expAvg);
        float[] v = data(expAvgSq);
        float[] g = data(grad);
        int po = param.offset();
        int mo = expAvg.offset();
        int vo = expAvgSq.offset();
        int go = grad.offset();
        double bc1 = 1.0 - Math.pow(beta1, step);
        double bc2 = 1.0 - Math.pow(beta2, step);
        double stepSize = lr / bc1;
        double bc2Sqrt = Math.sqrt(bc2);
        for (int i = 0, n = param.numel(); i < n; i++) {
            double pi = p[po + i] * (1.0 - (double) lr * weightDecay);
            double gi = g[go + i];
            double mi = beta1 * (double) m[mo + i] + (1.0 - beta1) * gi;
            double vi = beta2 * (double) v[vo + i] + (1.0 - beta2) * gi * gi;
            m[mo + i] = (float) mi;
            v[vo + i] = (float) vi;
            p[po + i] = (float) (pi - stepSize * mi / (Math.sqrt(vi) / bc2Sqrt + eps));
        }
    }
}
