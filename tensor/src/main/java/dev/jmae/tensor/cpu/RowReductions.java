package dev.jmae.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Reductions of one contiguous row of floats (max, min, sum, sum of squared deviations), shared by
 * the row kernels ({@link CpuRows}: softmax, layer norm) and the dim reductions
 * ({@link CpuReductions}: sum, mean, max, min, var).
 *
 * <p>Rows of four or more vectors run four independent chains (vectors i mod 4), combined
 * pairwise at the end: with a single accumulator every {@code add} or {@code max} waits 3-4 cycles
 * for the previous one, which made the reduction, not the loads, the limit (long-row softmax 15%
 * faster with four). Shorter rows use one chain. Lane sums use {@link VectorMath#sum}, so the bits
 * do not depend on the JIT state; max and min are exact in any order and follow
 * {@link Math#max}/{@link Math#min} (NaN wins, and -0.0 &lt; +0.0).
 *
 * <p>Each method takes only arrays and scalars, so C2 can compile it on its own without boxing
 * vectors (see {@link CpuRows}).
 */
final class RowReductions {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private RowReductions() {
    }

    /**
     * The sum of a[off .. off + n).
     *
     * @param a the array
     * @param off first element
     * @param n element count, at least 0
     * @return the float32 sum in the fixed order of the class comment (0 for n = 0)
     */
    static float sum(float[] a, int off, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        int upper = S.loopBound(n);
        if (upper >= 4 * L) {
            FloatVector acc1 = acc;
            FloatVector acc2 = acc;
            FloatVector acc3 = acc;
            for (; i + 4 * L <= upper; i += 4 * L) {
                acc = acc.add(FloatVector.fromArray(S, a, off + i));
                acc1 = acc1.add(FloatVector.fromArray(S, a, off + i + L));
                acc2 = acc2.add(FloatVector.fromArray(S, a, off + i + 2 * L));
                acc3 = acc3.add(FloatVector.fromArray(S, a, off + i + 3 * L));
            }
            acc = acc.add(acc1).add(acc2.add(acc3));
        }
        for (; i < upper; i += L) {
            acc = acc.add(FloatVector.fromArray(S, a, off + i));
        }
        float s = VectorMath.sum(acc);
        for (; i < n; i++) {
            s += a[off + i];
        }
        return s;
    }

    /**
     * The sum of (a[i] - m)^2 over a[off .. off + n): the numerator of a two-pass variance, m
     * being the mean (layer norm, {@code var}).
     *
     * @param a the array
     * @param off first element
     * @param m the value subtracted from every element before squaring
     * @param n element count, at least 0
     * @return the float32 sum, in the order of {@link #sum}
     */
    static float sumSquaredDeviations(float[] a, int off, float m, int n) {
        FloatVector vm = FloatVector.broadcast(S, m);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        int upper = S.loopBound(n);
        if (upper >= 4 * L) {
            FloatVector acc1 = acc;
            FloatVector acc2 = acc;
            FloatVector acc3 = acc;
            for (; i + 4 * L <= upper; i += 4 * L) {
                FloatVector d0 = FloatVector.fromArray(S, a, off + i).sub(vm);
                FloatVector d1 = FloatVector.fromArray(S, a, off + i + L).sub(vm);
                FloatVector d2 = FloatVector.fromArray(S, a, off + i + 2 * L).sub(vm);
                FloatVector d3 = FloatVector.fromArray(S, a, off + i + 3 * L).sub(vm);
                acc = d0.fma(d0, acc);
                acc1 = d1.fma(d1, acc1);
                acc2 = d2.fma(d2, acc2);
                acc3 = d3.fma(d3, acc3);
            }
            acc = acc.add(acc1).add(acc2.add(acc3));
        }
        for (; i < upper; i += L) {
            FloatVector dv = FloatVector.fromArray(S, a, off + i).sub(vm);
            acc = dv.fma(dv, acc);
        }
        float sq = VectorMath.sum(acc);
        for (; i < n; i++) {
            float dv = a[off + i] - m;
            sq += dv * dv;
        }
        return sq;
    }

    /**
     * The largest of a[off .. off + n).
     *
     * @param a the array
     * @param off first element
     * @param n element count, at least 0
     * @return the max as {@link Math#max} would find it; -inf for n = 0
     */
    static float max(float[] a, int off, int n) {
        float m = Float.NEGATIVE_INFINITY;
        int i = 0;
        int upper = S.loopBound(n);
        if (upper > 0) {
            FloatVector acc = FloatVector.fromArray(S, a, off);
            i = L;
            if (upper >= 4 * L) {
                FloatVector acc1 = FloatVector.fromArray(S, a, off + L);
                FloatVector acc2 = FloatVector.fromArray(S, a, off + 2 * L);
                FloatVector acc3 = FloatVector.fromArray(S, a, off + 3 * L);
                for (i = 4 * L; i + 4 * L <= upper; i += 4 * L) {
                    acc = acc.max(FloatVector.fromArray(S, a, off + i));
                    acc1 = acc1.max(FloatVector.fromArray(S, a, off + i + L));
                    acc2 = acc2.max(FloatVector.fromArray(S, a, off + i + 2 * L));
                    acc3 = acc3.max(FloatVector.fromArray(S, a, off + i + 3 * L));
                }
                acc = acc.max(acc1).max(acc2.max(acc3));
            }
            for (; i < upper; i += L) {
                acc = acc.max(FloatVector.fromArray(S, a, off + i));
            }
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            m = Math.max(m, a[off + i]);
        }
        return m;
    }

    /**
     * The smallest of a[off .. off + n), like {@link #max} (a method of its own rather than a flag,
     * so that softmax's per-row max carries no branch).
     *
     * @param a the array
     * @param off first element
     * @param n element count, at least 0
     * @return the min as {@link Math#min} would find it; +inf for n = 0
     */
    static float min(float[] a, int off, int n) {
        float m = Float.POSITIVE_INFINITY;
        int i = 0;
        int upper = S.loopBound(n);
        if (upper > 0) {
            FloatVector acc = FloatVector.fromArray(S, a, off);
            i = L;
            if (upper >= 4 * L) {
                FloatVector acc1 = FloatVector.fromArray(S, a, off + L);
                FloatVector acc2 = FloatVector.fromArray(S, a, off + 2 * L);
                FloatVector acc3 = FloatVector.fromArray(S, a, off + 3 * L);
                for (i = 4 * L; i + 4 * L <= upper; i += 4 * L) {
                    acc = acc.min(FloatVector.fromArray(S, a, off + i));
                    acc1 = acc1.min(FloatVector.fromArray(S, a, off + i + L));
                    acc2 = acc2.min(FloatVector.fromArray(S, a, off + i + 2 * L));
                    acc3 = acc3.min(FloatVector.fromArray(S, a, off + i + 3 * L));
                }
                acc = acc.min(acc1).min(acc2.min(acc3));
            }
            for (; i < upper; i += L) {
                acc = acc.min(FloatVector.fromArray(S, a, off + i));
            }
            m = acc.reduceLanes(VectorOperators.MIN);
        }
        for (; i < n; i++) {
            m = Math.min(m, a[off + i]);
        }
        return m;
    }
}
