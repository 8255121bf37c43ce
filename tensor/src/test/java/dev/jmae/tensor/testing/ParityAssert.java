package dev.jmae.tensor.testing;

import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Comparison of a fast kernel's output with the reference's: |actual - expected| must be at
 * most atol + rtol·|expected| everywhere (NaN must match NaN, infinities must match exactly). On
 * failure the message gives the op, the shape, the worst element and the mismatch count.
 */
public final class ParityAssert {

    private ParityAssert() {
    }

    /**
     * Asserts closeness elementwise.
     *
     * @param op a description of the op and case
     * @param expected reference result
     * @param actual result under test
     * @param rtol relative tolerance
     * @param atol absolute tolerance
     */
    public static void assertClose(String op, Tensor expected, Tensor actual, double rtol, double atol) {
        if (!Arrays.equals(expected.shape(), actual.shape())) {
            fail(op + ": shape " + Shape.format(actual.shape()) + ", expected " + Shape.format(expected.shape()));
        }
        assertClose(op, expected.shape(), expected.toArray(), actual.toArray(), rtol, atol);
    }

    /**
     * Asserts closeness of two arrays holding a tensor of the given shape.
     *
     * @param op description
     * @param shape logical shape, for the message
     * @param expected reference values
     * @param actual values under test
     * @param rtol relative tolerance
     * @param atol absolute tolerance
     */
    public static void assertClose(String op, int[] shape, float[] expected, float[] actual, double rtol, double atol) {
        if (expected.length != actual.length) {
            fail(op + ": " + actual.length + " elements, expected " + expected.length);
        }
        int mismatches = 0;
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            boolean ok;
            double excess;
            if (Double.isNaN(e) || Double.isNaN(a) || Double.isInfinite(e) || Double.isInfinite(a)) {
                ok = Double.compare(e, a) == 0 || (Double.isNaN(e) && Double.isNaN(a));
                excess = ok ? 0 : Double.POSITIVE_INFINITY;
            } else {
                double tol = atol + rtol * Math.abs(e);
                excess = Math.abs(a - e) - tol;
                ok = excess <= 0;
            }
            if (!ok) {
                mismatches++;
                if (worst < 0 || excess > worstExcess) {
                    worst = i;
                    worstExcess = excess;
                }
            }
        }
        if (mismatches > 0) {
            fail(String.format("%s: %d of %d elements differ beyond atol %.3g + rtol %.3g*|ref|; worst at %s (flat %d):"
                    + " expected %s, got %s, |diff| %.4g",
                    op, mismatches, expected.length, atol, rtol, indexOf(worst, shape), worst,
                    expected[worst], actual[worst], Math.abs((double) expected[worst] - actual[worst])));
        }
    }

    private static String indexOf(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        int p = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] > 0) {
                idx[d] = p % shape[d];
                p /= shape[d];
            }
        }
        return Arrays.toString(idx) + " of " + Shape.format(shape);
    }

    /**
     * The largest |x| of an array (for tolerances that scale with the data).
     *
     * @param values the array
     * @return max |x|, 0 for an empty array
     */
    public static double maxAbs(float[] values) {
        double m = 0;
        for (float v : values) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
