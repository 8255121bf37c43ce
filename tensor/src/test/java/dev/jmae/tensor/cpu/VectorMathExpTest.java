package dev.jmae.tensor.cpu;

import dev.jmae.tensor.Generator;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The deterministic exp and lane sum of {@link VectorMath}: accuracy and vector/scalar bit identity. */
class VectorMathExpTest {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private static double ulpError(float got, double exact) {
        float rounded = (float) exact;
        if (Float.isInfinite(rounded)) {
            return Float.isInfinite(got) ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.abs(got - exact) / Math.ulp(Math.max(rounded, Float.MIN_NORMAL));
    }

    @Test
    void expWithinTwoUlpOverTheWholeRange() {
        double worst = 0;
        float worstX = 0;
        // every 257th float bit pattern in [-104, 89]: about 8 million points
        for (int bits = Float.floatToRawIntBits(-104f); bits >= Integer.MIN_VALUE + 1
                && Float.intBitsToFloat(bits) < 0; bits -= 257) {
            float x = Float.intBitsToFloat(bits);
            double e = ulpError(VectorMath.exp(x), Math.exp(x));
            if (e > worst) {
                worst = e;
                worstX = x;
            }
        }
        for (int bits = 0; Float.intBitsToFloat(bits) <= 89f; bits += 257) {
            float x = Float.intBitsToFloat(bits);
            double e = ulpError(VectorMath.exp(x), Math.exp(x));
            if (e > worst) {
                worst = e;
                worstX = x;
            }
        }
        assertTrue(worst <= 2.0, "worst error " + worst + " ulp at x = " + worstX);
    }

    @Test
    void expSpecialValues() {
        assertEquals(0f, VectorMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.exp(89f));
        assertTrue(Float.isNaN(VectorMath.exp(Float.NaN)));
        assertEquals(1f, VectorMath.exp(0f));
        assertEquals(1f, VectorMath.exp(-0f));
        assertEquals(0f, VectorMath.exp(-200f));
        // subnormal results are rounded once
        assertTrue(ulpError(VectorMath.exp(-95f), Math.exp(-95)) <= 2.0);
    }

    @Test
    void vectorAndScalarExpAgreeBitForBit() {
        Generator g = new Generator(7);
        float[] x = new float[S.length() * 4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (i % 4) {
                case 0 -> (float) (g.nextDouble() * 200 - 110);
                case 1 -> (float) g.nextGaussian();
                case 2 -> Float.intBitsToFloat((int) g.nextLong());
                default -> (float) (g.nextDouble() * 20 - 10);
            };
        }
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i += S.length()) {
            VectorMath.exp(FloatVector.fromArray(S, x, i)).intoArray(out, i);
        }
        for (int i = 0; i < x.length; i++) {
            float s = VectorMath.exp(x[i]);
            if (Float.floatToRawIntBits(s) != Float.floatToRawIntBits(out[i])
                    && !(Float.isNaN(s) && Float.isNaN(out[i]))) {
                fail("exp(" + x[i] + "): vector " + out[i] + ", scalar " + s);
            }
        }
    }

    /** What expSubtractSumRows gives for one argument x - shift (x - shift &lt;= 88). */
    private static float expectedFlushed(float arg) {
        if (arg < VectorMath.EXP_FLUSH) {
            return 0f;
        }
        return VectorMath.exp(arg);
    }

    /**
     * The block kernel gives exp(x - shift)'s bits per element down to EXP_FLUSH and 0 below it
     * (-inf, huge negatives, the subnormal range), NaN for NaN, in place too; each row's sum in its
     * documented order; and nothing written outside the rows. Rows around the vector width, with
     * every row's max as its shift (softmax) or a shift above the max (attention's log-sum-exp).
     */
    @Test
    void expSubtractSumRowsMatchesExpAndItsSumOrder() {
        Generator g = new Generator(11);
        int len = S.length();
        for (int n : new int[] {0, 1, 7, len - 1, len, len + 1, 33, 50, 197, 16 * len + 5}) {
            for (int rows : new int[] {1, 3}) {
                float[] x = new float[3 + rows * n];
                float[] shifts = new float[rows];
                for (int r = 0; r < rows; r++) {
                    float max = Float.NEGATIVE_INFINITY;
                    for (int i = 0; i < n; i++) {
                        float v = switch ((i + r) % 7) {
                            case 3 -> Float.NEGATIVE_INFINITY;
                            case 5 -> (float) (g.nextDouble() * 40 - 110);
                            case 6 -> i == n - 1 ? Float.NaN : -1e30f;
                            default -> (float) (g.nextGaussian() * 30);
                        };
                        x[3 + r * n + i] = v;
                        max = v > max ? v : max;
                    }
                    shifts[r] = r == 1 ? max + 2.5f : max;
                }
                float[] out = new float[5 + rows * n + len];
                java.util.Arrays.fill(out, 42f);
                float[] sums = new float[rows];
                VectorMath.expSubtractSumRows(x, 3, shifts, out, 5, rows, n, sums);
                float[] inPlace = x.clone();
                float[] sumsInPlace = new float[rows];
                VectorMath.expSubtractSumRows(inPlace, 3, shifts, inPlace, 3, rows, n, sumsInPlace);
                for (int i = 0; i < 5; i++) {
                    assertEquals(42f, out[i], "written before the rows, n " + n);
                }
                for (int i = 5 + rows * n; i < out.length; i++) {
                    assertEquals(42f, out[i], "written after the rows, n " + n);
                }
                int whole = S.loopBound(n);
                for (int r = 0; r < rows; r++) {
                    float[] expected = new float[n];
                    for (int i = 0; i < n; i++) {
                        float arg = x[3 + r * n + i] - shifts[r];
                        expected[i] = expectedFlushed(arg);
                        String at = "n " + n + ", row " + r + ", exp(" + arg + ") at " + i;
                        assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(out[5 + r * n + i]),
                                at);
                        assertEquals(Float.floatToRawIntBits(expected[i]),
                                Float.floatToRawIntBits(inPlace[3 + r * n + i]),
                                at + " in place");
                    }
                    // the documented order: whole vectors lane-wise, then the rest in its lanes, then the tree
                    FloatVector acc = FloatVector.zero(S);
                    for (int i = 0; i < whole; i += len) {
                        acc = acc.add(FloatVector.fromArray(S, expected, i));
                    }
                    if (n > whole) {
                        float[] restLanes = new float[len];
                        int first = n >= len ? n - len : 0;
                        for (int i = Math.max(first, whole); i < n; i++) {
                            restLanes[i - first] = expected[i];
                        }
                        acc = acc.add(FloatVector.fromArray(S, restLanes, 0));
                    }
                    float sum = VectorMath.sum(acc);
                    assertEquals(Float.floatToRawIntBits(sum), Float.floatToRawIntBits(sums[r]),
                            "sum, n " + n + ", row " + r);
                    assertEquals(Float.floatToRawIntBits(sum), Float.floatToRawIntBits(sumsInPlace[r]),
                            "in-place sum, n " + n + ", row " + r);
                }
            }
        }
    }

    /**
     * At the flush boundary and over the range softmax uses, the block kernel's values are exp's
     * bits: every 64th float in [EXP_FLUSH, 0], the floats next to EXP_FLUSH, and 88.
     */
    @Test
    void expSubtractSumRowsIsExpDownToTheFlushBound() {
        float[] args = new float[1 << 20];
        int count = 0;
        for (int bits = Float.floatToRawIntBits(VectorMath.EXP_FLUSH); bits < 0
                && count < args.length - 8; bits -= 64) {
            args[count++] = Float.intBitsToFloat(bits);
        }
        args[count++] = VectorMath.EXP_FLUSH;
        args[count++] = Math.nextDown(VectorMath.EXP_FLUSH);
        args[count++] = Math.nextUp(VectorMath.EXP_FLUSH);
        args[count++] = 88f;
        args[count++] = -0f;
        float[] out = new float[count];
        float[] sums = new float[1];
        VectorMath.expSubtractSumRows(args, 0, new float[] {0f}, out, 0, 1, count, sums);
        for (int i = 0; i < count; i++) {
            assertEquals(Float.floatToRawIntBits(expectedFlushed(args[i])), Float.floatToRawIntBits(out[i]),
                    "exp(" + args[i] + ")");
        }
        assertEquals(0f, out[count - 4], "just below the bound");
        assertTrue(out[count - 5] > 0f && out[count - 3] > 0f, "at and just above the bound");
    }

    @Test
    void laneSumUsesAFixedPairwiseOrder() {
        float[] v = new float[S.length()];
        double exact = 0;
        Generator g = new Generator(3);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (g.nextGaussian() * Math.pow(10, i % 5));
            exact += v[i];
        }
        // the same pairwise tree computed by hand: lane i + lane i+half, halving
        float[] t = v.clone();
        for (int half = t.length / 2; half >= 1; half /= 2) {
            float[] n = new float[t.length];
            for (int i = 0; i < t.length; i++) {
                n[i] = t[i] + t[(i + half) % t.length];
            }
            t = n;
        }
        assertEquals(Float.floatToRawIntBits(t[0]),
                Float.floatToRawIntBits(VectorMath.sum(FloatVector.fromArray(S, v, 0))));
        assertEquals(exact, VectorMath.sum(FloatVector.fromArray(S, v, 0)), 1e-3 * Math.abs(exact) + 1e-2);
    }
}
