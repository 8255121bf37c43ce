package dev.jmae.tensor.reference;

import dev.jmae.tensor.ReduceOp;
import dev.jmae.tensor.ReductionKernels;
import dev.jmae.tensor.StridedLoop;
import dev.jmae.tensor.Tensor;
import java.util.Arrays;

import static dev.jmae.tensor.reference.ReferenceBackend.data;

/**
 * Reference reductions: sum, mean, max and min with one double accumulator per output element
 * (NaN propagates through max and min), two-pass variance in double, and argmax (first maximum,
 * NaN largest). Inputs may be any strided view; outputs are in keepDim layout.
 */
public final class ReferenceReductions implements ReductionKernels {

    /** Creates the kernels (one instance per reference backend). */
    public ReferenceReductions() {
    }

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
}
