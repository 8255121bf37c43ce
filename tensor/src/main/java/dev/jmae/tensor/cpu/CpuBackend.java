package dev.jmae.tensor.cpu;

import dev.jmae.tensor.Backend;
import dev.jmae.tensor.BinaryOp;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.HeapStorage;
import dev.jmae.tensor.MemoryStats;
import dev.jmae.tensor.ReduceOp;
import dev.jmae.tensor.Storage;
import dev.jmae.tensor.StridedLoop;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.UnaryOp;
import dev.jmae.tensor.reference.ReferenceIndexing;

import java.util.Arrays;

/**
 * The default {@code cpu} backend: Vector API kernels ({@code FloatVector.SPECIES_PREFERRED},
 * FMA) on the {@link Parallel} pool, float32 arithmetic and accumulation.
 *
 * <p>Movement and elementwise ops run row by row over a {@link StridedLoop} plan, vectorized when
 * a row is contiguous (or a broadcast scalar) in every operand; reductions and matmul are in
 * {@link CpuReductions} and {@link Gemm}; softmax, layer norm, GELU and AdamW in {@link CpuNn};
 * attention in {@link CpuAttention}; gather and scatter in {@link CpuIndexing}. Index select and
 * argsort are off the hot path and share the reference implementation.
 */
public final class CpuBackend implements Backend {

    /** Elements below which an elementwise op stays on the calling thread. */
    static final int PARALLEL_MIN_ELEMENTS = 1 << 15;

    private final MemoryStats memory = new MemoryStats();

    /** Creates the backend (one instance serves the {@code cpu} device). */
    public CpuBackend() {
    }

    static float[] data(Tensor t) {
        return ((HeapStorage) t.storage()).data();
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public MemoryStats memory() {
        return memory;
    }

    @Override
    public Storage allocate(int numel) {
        return new HeapStorage(Device.CPU, numel, memory);
    }

    /** Runs a row body over all rows of a plan, in parallel when the work is large enough. */
    static void forEachRow(StridedLoop loop, StridedLoop.Row row) {
        int rows = loop.rows();
        int len = Math.max(1, loop.rowLength());
        if ((long) rows * len < PARALLEL_MIN_ELEMENTS || rows == 1) {
            if (rows == 1 && len >= 2 * PARALLEL_MIN_ELEMENTS) {
                splitSingleRow(loop, row, len);
            } else {
                loop.forRows(0, rows, row);
            }
            return;
        }
        Parallel.forRange(rows, Math.max(1, PARALLEL_MIN_ELEMENTS / len), (s, e) -> loop.forRows(s, e, row));
    }

    /** One long row (a contiguous tensor): split it into pieces by offsetting each operand. */
    private static void splitSingleRow(StridedLoop loop, StridedLoop.Row row, int len) {
        loop.forRows(0, 1, (off, n, st) -> {
            int[] base = off.clone();
            int[] strides = st.clone();
            Parallel.forRange(n, PARALLEL_MIN_ELEMENTS, (s, e) -> {
                int[] o = new int[base.length];
                for (int i = 0; i < o.length; i++) {
                    o[i] = base[i] + s * strides[i];
                }
                row.run(o, e - s, strides);
            });
        });
    }

    // ---- transfer and movement ----

    @Override
    public void write(Tensor dst, float[] src, int srcOffset) {
        System.arraycopy(src, srcOffset, data(dst), dst.offset(), dst.numel());
    }

    @Override
    public void read(float[] dst, int dstOffset, Tensor src) {
        float[] s = data(src);
        if (src.isContiguous()) {
            System.arraycopy(s, src.offset(), dst, dstOffset, src.numel());
            return;
        }
        StridedLoop loop = StridedLoop.of(src.shape(), src);
        int len = loop.rowLength();
        loop.forRows(0, loop.rows(), new StridedLoop.Row() {
            int next = dstOffset;

            @Override
            public void run(int[] off, int n, int[] st) {
                for (int i = 0; i < n; i++) {
                    dst[next + i] = s[off[0] + i * st[0]];
                }
                next += len;
            }
        });
    }

    @Override
    public void fill(Tensor out, float value) {
        float[] o = data(out);
        forEachRow(StridedLoop.of(out.shape(), out), (off, n, st) -> {
            if (st[0] == 1) {
                Arrays.fill(o, off[0], off[0] + n, value);
            } else {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = value;
                }
            }
        });
    }

    @Override
    public void copy(Tensor out, Tensor src) {
        float[] o = data(out);
        float[] s = data(src);
        forEachRow(StridedLoop.of(out.shape(), out, src), (off, n, st) -> {
            if (st[0] == 1 && st[1] == 1) {
                System.arraycopy(s, off[1], o, off[0], n);
            } else if (st[1] == 0) {
                float v = s[off[1]];
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = v;
                }
            } else {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = s[off[1] + i * st[1]];
                }
            }
        });
    }

    // ---- elementwise ----

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        float[] o = data(out);
        float[] a = data(x);
        forEachRow(StridedLoop.of(out.shape(), out, x), (off, n, st) -> {
            if (st[0] == 1 && st[1] == 1) {
                CpuElementwise.unary(op, o, off[0], a, off[1], n);
            } else {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = CpuElementwise.unary(op, a[off[1] + i * st[1]]);
                }
            }
        });
    }

    @Override
    public void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        float[] o = data(out);
        float[] x = data(a);
        float[] y = data(b);
        forEachRow(StridedLoop.of(out.shape(), out, a, b), (off, n, st) -> {
            if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
                CpuElementwise.binary(op, o, off[0], x, off[1], y, off[2], n);
            } else if (st[0] == 1 && st[1] == 1 && st[2] == 0) {
                CpuElementwise.binaryScalar(op, o, off[0], x, off[1], y[off[2]], n);
            } else if (st[0] == 1 && st[1] == 0 && st[2] == 1) {
                CpuElementwise.scalarBinary(op, o, off[0], x[off[1]], y, off[2], n);
            } else {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = CpuElementwise.binary(op, x[off[1] + i * st[1]], y[off[2] + i * st[2]]);
                }
            }
        });
    }

    @Override
    public void binaryScalar(BinaryOp op, Tensor out, Tensor a, float scalar) {
        float[] o = data(out);
        float[] x = data(a);
        forEachRow(StridedLoop.of(out.shape(), out, a), (off, n, st) -> {
            if (st[0] == 1 && st[1] == 1) {
                CpuElementwise.binaryScalar(op, o, off[0], x, off[1], scalar, n);
            } else {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = CpuElementwise.binary(op, x[off[1] + i * st[1]], scalar);
                }
            }
        });
    }

    @Override
    public void where(Tensor out, Tensor cond, Tensor a, Tensor b) {
        float[] o = data(out);
        float[] c = data(cond);
        float[] x = data(a);
        float[] y = data(b);
        forEachRow(StridedLoop.of(out.shape(), out, cond, a, b), (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                o[off[0] + i * st[0]] = c[off[1] + i * st[1]] != 0 ? x[off[2] + i * st[2]] : y[off[3] + i * st[3]];
            }
        });
    }

    // ---- reductions and linear algebra ----

    @Override
    public void reduce(ReduceOp op, Tensor out, Tensor x, int[] dims) {
        CpuReductions.reduce(op, out, x, dims);
    }

    @Override
    public void var(Tensor out, Tensor x, int[] dims, double correction) {
        CpuReductions.var(out, x, dims, correction);
    }

    @Override
    public void argmax(Tensor out, Tensor x, int dim) {
        CpuReductions.argmax(out, x, dim);
    }

    @Override
    public void matmul(Tensor out, Tensor a, Tensor b, Tensor bias) {
        CpuReductions.matmul(out, a, b, bias);
    }

    // ---- neural-network kernels ----

    @Override
    public void softmaxForward(Tensor out, Tensor x) {
        CpuNn.softmaxForward(out, x, false);
    }

    @Override
    public void softmaxBackward(Tensor dx, Tensor y, Tensor dy) {
        CpuNn.softmaxBackward(dx, y, dy, false);
    }

    @Override
    public void logSoftmaxForward(Tensor out, Tensor x) {
        CpuNn.softmaxForward(out, x, true);
    }

    @Override
    public void logSoftmaxBackward(Tensor dx, Tensor y, Tensor dy) {
        CpuNn.softmaxBackward(dx, y, dy, true);
    }

    @Override
    public void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, float eps) {
        CpuNn.layerNormForward(out, mean, rstd, x, weight, bias, eps);
    }

    @Override
    public void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor mean, Tensor rstd, Tensor dy,
                                  Tensor x, Tensor weight) {
        CpuNn.layerNormBackward(dx, dweight, dbias, mean, rstd, dy, x, weight);
    }

    @Override
    public void geluForward(Tensor out, Tensor x) {
        CpuNn.geluForward(out, x);
    }

    @Override
    public void geluBackward(Tensor dx, Tensor dy, Tensor x) {
        CpuNn.geluBackward(dx, dy, x);
    }

    @Override
    public void attentionForward(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, float scale) {
        CpuAttention.forward(out, lse, q, k, v, scale);
    }

    @Override
    public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor out, Tensor lse, Tensor dout, Tensor q,
                                  Tensor k, Tensor v, float scale) {
        CpuAttention.backward(dq, dk, dv, out, lse, dout, q, k, v, scale);
    }

    // ---- indexing: not on a hot path; the reference implementation is exact for copies ----

    @Override
    public void gather(Tensor out, Tensor x, Tensor index, int dim) {
        CpuIndexing.gather(out, x, index, dim);
    }

    @Override
    public void scatter(Tensor out, Tensor index, Tensor src, int dim, boolean add) {
        CpuIndexing.scatter(out, index, src, dim, add);
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
        CpuNn.adamwStep(param, expAvg, expAvgSq, grad, lr, beta1, beta2, eps, weightDecay, step);
    }
}
