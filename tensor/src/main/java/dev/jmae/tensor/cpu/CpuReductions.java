package dev.jmae.tensor.cpu;

import dev.jmae.tensor.ReduceOp;
import dev.jmae.tensor.ReductionKernels;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.reference.ReferenceReductions;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static dev.jmae.tensor.cpu.CpuBackend.data;

/**
 * CPU reductions: sum, mean, max, min, variance and argmax.
 *
 * <p>Reductions over a contiguous run of dims of a contiguous tensor are viewed as [O, R, I]
 * (outer, reduced, inner): with I = 1 each output is a vectorized row reduction; otherwise the
 * R rows of each outer slice are combined column-wise with vectors. Accumulation is float32. Any
 * other layout (rare: a strided input, or reduced dims that are not adjacent) uses the reference
 * kernel, which is exact.
 *
 */
final class CpuReductions implements ReductionKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ReferenceReductions REFERENCE = new ReferenceReductions();

    CpuReductions() {
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

    @Override
    public void reduce(ReduceOp op, Tensor out, Tensor x, int[] dims) {
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

    @Override
    public void var(Tensor out, Tensor x, int[] dims, double correction) {
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

    @Override
    public void argmax(Tensor out, Tensor x, int dim) {
        REFERENCE.argmax(out, x, dim);
    }
}
