package dev.jmae.tensor.cpu;

import dev.jmae.tensor.ReduceOp;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.StridedLoop;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.reference.ReferenceBackend;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static dev.jmae.tensor.cpu.CpuBackend.data;

/**
 * CPU reductions and the matmul dispatch.
 *
 * <p>Reductions over a contiguous run of dims of a contiguous tensor are viewed as [O, R, I]
 * (outer, reduced, inner): with I = 1 each output is a vectorized row reduction; otherwise the
 * R rows of each outer slice are combined column-wise with vectors. Accumulation is float32. Any
 * other layout (rare: a strided input, or reduced dims that are not adjacent) uses the reference
 * kernel, which is exact.
 *
 * <p>Matmul folds broadcast batches into one GEMM (x[B, T, K]·W[K, N] is one [B·T, K]·[K, N]
 * product), runs a single product directly and several equal-shape products through
 * {@link Gemm#sgemmBatched}.
 */
final class CpuReductions {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    private CpuReductions() {
    }

    /** [O, R, I] sizes when dims form one contiguous run of a contiguous x, else null. */
    private static int[] runShape(Tensor x, int[] dims) {
        if (!x.isContiguous() || dims.length == 0) {
            return null;
        }
        for (int i = 1; i < dims.length; i++) {
            if (dims[i] != dims[i - 1] + 1) {
                return null;
            }
        }
        int[] shape = x.shape();
        int o = 1;
        int r = 1;
        int in = 1;
        for (int d = 0; d < shape.length; d++) {
            if (d < dims[0]) {
                o *= shape[d];
            } else if (d <= dims[dims.length - 1]) {
                r *= shape[d];
            } else {
                in *= shape[d];
            }
        }
        return new int[] {o, r, in};
    }

    static void reduce(ReduceOp op, Tensor out, Tensor x, int[] dims) {
        int[] run = runShape(x, dims);
        if (run == null || run[1] == 0 || !out.isContiguous()) {
            REFERENCE.reduce(op, out, x, dims);
            return;
        }
        int outer = run[0];
        int rows = run[1];
        int inner = run[2];
        float[] a = data(x);
        float[] o = data(out);
        int xo = x.offset();
        int oo = out.offset();
        float scale = op == ReduceOp.MEAN ? 1f / rows : 1f;
        if (inner == 1) {
            Parallel.forRange(outer, Math.max(1, CpuBackend.PARALLEL_MIN_ELEMENTS / rows), (s, e) -> {
                for (int i = s; i < e; i++) {
                    o[oo + i] = reduceRow(op, a, xo + i * rows, rows) * scale;
                }
            });
            return;
        }
        // Column-wise: out[o, c] = reduce_r x[o, r, c]; split the columns across threads.
        Parallel.forRange(outer * inner, Math.max(L, CpuBackend.PARALLEL_MIN_ELEMENTS / rows), (s, e) -> {
            int pos = s;
            while (pos < e) {
                int ob = pos / inner;
                int c0 = pos % inner;
                int c1 = Math.min(inner, c0 + (e - pos));
                reduceColumns(op, a, xo + ob * rows * inner, rows, inner, c0, c1, o, oo + ob * inner, scale);
                pos += c1 - c0;
            }
        });
    }

    private static float reduceRow(ReduceOp op, float[] a, int off, int n) {
        return switch (op) {
            case MAX -> RowReductions.max(a, off, n);
            case MIN -> RowReductions.min(a, off, n);
            case SUM, MEAN -> RowReductions.sum(a, off, n);
        };
    }

    private static void reduceColumns(ReduceOp op, float[] a, int base, int rows, int inner, int c0, int c1,
                                      float[] o, int oBase, float scale) {
        boolean max = op == ReduceOp.MAX;
        boolean min = op == ReduceOp.MIN;
        int c = c0;
        for (int upper = c0 + S.loopBound(c1 - c0); c < upper; c += L) {
            FloatVector acc = FloatVector.fromArray(S, a, base + c);
            for (int r = 1; r < rows; r++) {
                FloatVector w = FloatVector.fromArray(S, a, base + r * inner + c);
                acc = max ? acc.max(w) : min ? acc.min(w) : acc.add(w);
            }
            acc.mul(scale).intoArray(o, oBase + c);
        }
        for (; c < c1; c++) {
            float acc = a[base + c];
            for (int r = 1; r < rows; r++) {
                float w = a[base + r * inner + c];
                acc = max ? Math.max(acc, w) : min ? Math.min(acc, w) : acc + w;
            }
            o[oBase + c] = acc * scale;
        }
    }

    static void var(Tensor out, Tensor x, int[] dims, double correction) {
        int[] run = runShape(x, dims);
        if (run == null || run[2] != 1 || run[1] == 0 || !out.isContiguous()) {
            REFERENCE.var(out, x, dims, correction);
            return;
        }
        int outer = run[0];
        int rows = run[1];
        float[] a = data(x);
        float[] o = data(out);
        int xo = x.offset();
        int oo = out.offset();
        float divisor = (float) Math.max(0.0, rows - correction);
        Parallel.forRange(outer, Math.max(1, CpuBackend.PARALLEL_MIN_ELEMENTS / rows), (s, e) -> {
            for (int i = s; i < e; i++) {
                int off = xo + i * rows;
                float mean = reduceRow(ReduceOp.SUM, a, off, rows) / rows;
                o[oo + i] = RowReductions.sumSquaredDeviations(a, off, mean, rows) / divisor;
            }
        });
    }

    static void argmax(Tensor out, Tensor x, int dim) {
        REFERENCE.argmax(out, x, dim);
    }

    // ---- matmul ----

    static void matmul(Tensor out, Tensor a, Tensor b, Tensor bias) {
        int nd = out.ndim();
        int m = out.size(nd - 2);
        int n = out.size(nd - 1);
        int k = a.size(nd - 1);
        int[] as = a.strides();
        int[] bs = b.strides();
        int[] os = out.strides();
        float[] x = data(a);
        float[] y = data(b);
        float[] o = data(out);
        float[] bi = bias == null ? null : data(bias);
        int biasOff = bias == null ? 0 : bias.offset();
        int biasStride = bias == null ? 0 : bias.stride(0);
        int[] batch = Arrays.copyOf(out.shape(), nd - 2);
        int batchCount = Shape.numel(batch);
        if (batchCount == 0 || m == 0 || n == 0) {
            return;
        }
        if (batchCount == 1 || (broadcastBatch(b, nd) && foldsIntoRows(a, nd) && out.isContiguous())) {
            // One GEMM: the batch dims of a (if any) merge into its rows, out is contiguous.
            Gemm.sgemm(m * batchCount, n, k,
                    x, a.offset(), as[nd - 2], as[nd - 1],
                    y, b.offset(), bs[nd - 2], bs[nd - 1],
                    o, out.offset(), os[nd - 2],
                    bi, biasOff, biasStride, false);
            return;
        }
        int[] aOff = new int[batchCount];
        int[] bOff = new int[batchCount];
        int[] oOff = new int[batchCount];
        StridedLoop loop = StridedLoop.of(batch,
                new int[][] {Arrays.copyOf(os, nd - 2), Arrays.copyOf(as, nd - 2), Arrays.copyOf(bs, nd - 2)},
                new int[] {out.offset(), a.offset(), b.offset()});
        loop.forRows(0, loop.rows(), new StridedLoop.Row() {
            int t;

            @Override
            public void run(int[] off, int len, int[] st) {
                for (int i = 0; i < len; i++, t++) {
                    oOff[t] = off[0] + i * st[0];
                    aOff[t] = off[1] + i * st[1];
                    bOff[t] = off[2] + i * st[2];
                }
            }
        });
        Gemm.sgemmBatched(batchCount, m, n, k,
                x, aOff, as[nd - 2], as[nd - 1],
                y, bOff, bs[nd - 2], bs[nd - 1],
                o, oOff, os[nd - 2],
                bi, biasOff, biasStride, false);
    }

    /** Whether every batch dim of b has stride 0 (the same matrix for every batch item). */
    private static boolean broadcastBatch(Tensor b, int nd) {
        for (int d = 0; d < nd - 2; d++) {
            if (b.stride(d) != 0 && b.size(d) != 1) {
                return false;
            }
        }
        return true;
    }

    /** Whether a's batch dims and its row dim collapse into one dim with a's row stride. */
    private static boolean foldsIntoRows(Tensor a, int nd) {
        int expected = a.stride(nd - 2) * a.size(nd - 2);
        for (int d = nd - 3; d >= 0; d--) {
            if (a.size(d) != 1 && a.stride(d) != expected) {
                return false;
            }
            expected *= a.size(d);
        }
        return true;
    }
}
