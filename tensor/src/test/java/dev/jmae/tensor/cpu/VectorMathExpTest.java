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
        for (int bits = Float.floatToRawIntBits(-104f); bits >= Integer.MIN_VALUE + 1 && Float.intBitsToFloat(bits) < 0;
             bits -= 257) {
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
            if (Float.floatToRawIntBits(s) != Float.floatToRawIntBits(out[i]) && !(Float.isNaN(s) && Float.isNaN(out[i]))) {
                fail("exp(" + x[i] + "): vector " + out[i] + ", scalar " + s);
            }
        }
    }

    /**
     * The array kernel gives exp(x - shift)'s bits for every element (vector part and scalar tail,
     * random bit patterns included: NaN, infinities, huge values), in place too, and the sum in its
     * documented order, for lengths around the vector width.
     */
    @Test
    void expSubtractSumMatchesExpAndItsSumOrder() {
        Generator g = new Generator(11);
        int len = S.length();
        for (int n : new int[] {0, 1, 7, len - 1, len, len + 1, 33, 197, 16 * len + 5}) {
            for (float shift : new float[] {0f, 3.25f, -40f}) {
                float[] x = new float[n + 3];
                for (int i = 0; i < x.length; i++) {
                    x[i] = i % 5 == 4 ? Float.intBitsToFloat((int) g.nextLong()) : (float) (g.nextGaussian() * 30);
                }
                float[] out = new float[n + 5];
                float sum = VectorMath.expSubtractSum(x, 3, shift, out, 5, n);
                float[] inPlace = x.clone();
                float sumInPlace = VectorMath.expSubtractSum(inPlace, 3, shift, inPlace, 3, n);
                FloatVector acc = FloatVector.zero(S);
                int whole = S.loopBound(n);
                for (int i = 0; i < n; i++) {
                    float e = VectorMath.exp(x[3 + i] - shift);
                    String at = "n " + n + ", shift " + shift + ", exp(" + x[3 + i] + " - shift) at " + i;
                    assertEquals(Float.floatToRawIntBits(e), Float.floatToRawIntBits(out[5 + i]), at);
                    assertEquals(Float.floatToRawIntBits(e), Float.floatToRawIntBits(inPlace[3 + i]), at + " in place");
                }
                for (int i = 0; i < whole; i += len) {
                    acc = acc.add(FloatVector.fromArray(S, out, 5 + i));
                }
                float expected = VectorMath.sum(acc);
                for (int i = whole; i < n; i++) {
                    expected += out[5 + i];
                }
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(sum), "sum, n " + n + ", shift " + shift);
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(sumInPlace), "in-place sum, n " + n);
            }
        }
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
        assertEquals(Float.floatToRawIntBits(t[0]), Float.floatToRawIntBits(VectorMath.sum(FloatVector.fromArray(S, v, 0))));
        assertEquals(exact, VectorMath.sum(FloatVector.fromArray(S, v, 0)), 1e-3 * Math.abs(exact) + 1e-2);
    }
}
