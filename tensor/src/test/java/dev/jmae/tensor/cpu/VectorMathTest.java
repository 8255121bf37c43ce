package dev.jmae.tensor.cpu;

import dev.jmae.tensor.UnaryOp;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link VectorMath#erf}: ulp error against the double-precision series {@link UnaryOp#erf(double)},
 * vector/scalar bit equality for every species, special values, odd symmetry and monotonicity.
 * The error bound 1.5 ulp is the class's contract (the measured max, from the exhaustive run of
 * {@link VectorMathTuning}, is 0.72).
 */
class VectorMathTest {

    private static final double MAX_ULPS = 1.5;
    private static final List<VectorSpecies<Float>> SPECIES = List.of(FloatVector.SPECIES_64,
            FloatVector.SPECIES_128, FloatVector.SPECIES_256, FloatVector.SPECIES_512, FloatVector.SPECIES_PREFERRED);
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** erf of every element: full vectors, then the tail as one masked vector (not the scalar). */
    private static void erfVector(VectorSpecies<Float> species, float[] out, float[] x) {
        int i = 0;
        for (; i <= x.length - species.length(); i += species.length()) {
            VectorMath.erf(FloatVector.fromArray(species, x, i)).intoArray(out, i);
        }
        if (i < x.length) {
            VectorMask<Float> m = species.indexInRange(i, x.length);
            VectorMath.erf(FloatVector.fromArray(species, x, i, m)).intoArray(out, i, m);
        }
    }

    /** ulps between got and the exact erf(x), in ulps of the float nearest to the exact value. */
    private static double ulps(float x, float got) {
        double exact = UnaryOp.erf(x);
        return Math.abs(got - exact) / Math.ulp((float) exact);
    }

    /** Max ulp error of the vector erf over xs (in parallel); fails with the worst input when above MAX_ULPS. */
    private static void assertWithinUlps(String grid, float[] xs) {
        float[] got = new float[xs.length];
        erfVector(S, got, xs);
        int chunk = 1 << 16;
        int worst = IntStream.range(0, (xs.length + chunk - 1) / chunk).parallel().map(c -> {
            int best = c * chunk;
            for (int i = c * chunk; i < Math.min(xs.length, (c + 1) * chunk); i++) {
                if (ulps(xs[i], got[i]) > ulps(xs[best], got[best])) {
                    best = i;
                }
            }
            return best;
        }).reduce((a, b) -> ulps(xs[a], got[a]) >= ulps(xs[b], got[b]) ? a : b).orElseThrow();
        double err = ulps(xs[worst], got[worst]);
        String report = String.format("erf on %s (%d points): worst x = %s (bits 0x%08x): expected %s (exact %s), "
                + "got %s, error %.4f ulp", grid, xs.length, xs[worst], Float.floatToRawIntBits(xs[worst]),
                (float) UnaryOp.erf(xs[worst]), UnaryOp.erf(xs[worst]), got[worst], err);
        assertTrue(err <= MAX_ULPS, report);
    }

    @Test
    void erfWithinOneAndAHalfUlpOnDenseGrid() {
        // 2^24 evenly spaced points over [-4.5, 4.5] (spacing 5.4e-7): dense where the tail piece lives.
        int n = 1 << 24;
        float[] linear = new float[n];
        for (int i = 0; i < n; i++) {
            linear[i] = (float) (-4.5 + 9.0 * i / (n - 1));
        }
        assertWithinUlps("a linear grid over [-4.5, 4.5]", linear);
        // every 61st float bit pattern in [0, 4.5]: 1.8e7 points covering every binade, subnormals
        // included, in proportion to how many floats each holds (odd stride: all low mantissa bits vary).
        int last = Float.floatToRawIntBits(4.5f);
        float[] strided = new float[last / 61 + 1];
        for (int i = 0; i < strided.length; i++) {
            strided[i] = Float.intBitsToFloat(i * 61);
        }
        assertWithinUlps("every 61st float in [0, 4.5]", strided);
    }

    @Test
    void erfWithinOneAndAHalfUlpOnEveryFloatAroundThePieceBoundary() {
        int from = Float.floatToRawIntBits(0.7f);
        int to = Float.floatToRawIntBits(0.8f);
        float[] xs = new float[to - from + 1];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = Float.intBitsToFloat(from + i);
        }
        assertWithinUlps("every float in [0.7, 0.8]", xs);
    }

    @Test
    void vectorAndScalarAgreeBitForBit() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (VectorSpecies<Float> species : SPECIES) {
            for (int n : new int[] {1, 2, 3, 7, 15, 16, 17, 33, 197, 4096 + 7, 1 << 16}) {
                float[] x = new float[n];
                for (int i = 0; i < n; i++) {
                    x[i] = switch (rnd.nextInt(4)) {
                        case 0 -> Float.intBitsToFloat(rnd.nextInt());          // any float, NaNs included
                        case 1 -> (float) (rnd.nextGaussian() * 2.0);
                        case 2 -> (float) rnd.nextDouble(-5.0, 5.0);
                        default -> (float) (0.75 + 0.01 * rnd.nextGaussian());  // the piece boundary
                    };
                }
                float[] got = new float[n];
                erfVector(species, got, x);
                for (int i = 0; i < n; i++) {
                    float scalar = VectorMath.erf(x[i]);
                    // floatToIntBits: one NaN pattern, so NaN payloads do not count as differences
                    if (Float.floatToIntBits(got[i]) != Float.floatToIntBits(scalar)) {
                        fail(String.format(
                                "%s, n=%d, i=%d: x = %s (bits 0x%08x): vector %s (0x%08x), scalar %s (0x%08x)",
                                species, n, i, x[i], Float.floatToRawIntBits(x[i]), got[i],
                                Float.floatToRawIntBits(got[i]), scalar, Float.floatToRawIntBits(scalar)));
                    }
                }
            }
        }
    }

    @Test
    void specialValues() {
        float[] x = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
            Float.intBitsToFloat(0xffc00001), Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
            Float.MAX_VALUE, -Float.MAX_VALUE, 1e30f, -4f, 4f, 10f};
        // erf(x) = 2x/sqrt(pi) (1 - x^2/3 + ...): for these tiny x the double product rounds to erf
        double twoOverSqrtPi = 2.0 / Math.sqrt(Math.PI);
        float[] expected = {0f, -0f, 1f, -1f, Float.NaN, Float.NaN, Float.MIN_VALUE, -Float.MIN_VALUE,
            (float) (twoOverSqrtPi * Float.MIN_NORMAL), 1f, -1f, 1f, -1f, 1f, 1f};
        float[] vector = new float[x.length];
        erfVector(S, vector, x);
        for (int i = 0; i < x.length; i++) {
            for (float got : new float[] {VectorMath.erf(x[i]), vector[i]}) {
                String what = "erf(" + x[i] + ") = " + got + ", expected " + expected[i];
                if (Float.isNaN(expected[i])) {
                    assertTrue(Float.isNaN(got), what);
                } else if (Float.floatToIntBits(got) != Float.floatToIntBits(expected[i])) {
                    // the nearest float to MIN_NORMAL*2/sqrt(pi) is a near tie; allow the 1.5 ulp contract
                    assertTrue(
                            x[i] == Float.MIN_NORMAL && Math.abs(got - expected[i]) <= MAX_ULPS * Math.ulp(expected[i]),
                            what);
                }
            }
        }
    }

    @Test
    void erfIsExactlyPlusMinusOneWhereverItRoundsToOne() {
        // the first float where the exact erf rounds to 1, found from the series, not copied from a run
        int bits = Float.floatToRawIntBits(3.5f);
        while ((float) UnaryOp.erf(Float.intBitsToFloat(bits)) < 1f) {
            bits++;
        }
        float first = Float.intBitsToFloat(bits);
        int to = Float.floatToRawIntBits(5f);
        for (int b = bits; b <= to; b++) {
            float x = Float.intBitsToFloat(b);
            if (VectorMath.erf(x) != 1f || VectorMath.erf(-x) != -1f) {
                fail("erf(+-" + x + ") = " + VectorMath.erf(x) + ", " + VectorMath.erf(-x)
                        + "; exact erf rounds to 1 from x = " + first);
            }
        }
        // and a log-spaced sweep from there up to Float.MAX_VALUE, both signs, through the vector path
        float[] xs = new float[1 << 12];
        int step = (Float.floatToRawIntBits(Float.MAX_VALUE) - bits) / (xs.length - 1);
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (i % 2 == 0 ? 1 : -1) * Float.intBitsToFloat(bits + i * step);
        }
        float[] got = new float[xs.length];
        erfVector(S, got, xs);
        for (int i = 0; i < xs.length; i++) {
            assertEquals(Math.signum(xs[i]), got[i], "erf(" + xs[i] + ")");
        }
    }

    @Test
    void erfIsOdd() {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] x = new float[1 << 16];
        float[] minusX = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = i % 2 == 0 ? (float) (rnd.nextGaussian() * 2.0) : Float.intBitsToFloat(rnd.nextInt());
            minusX[i] = -x[i];
        }
        float[] y = new float[x.length];
        float[] yMinus = new float[x.length];
        erfVector(S, y, x);
        erfVector(S, yMinus, minusX);
        for (int i = 0; i < x.length; i++) {
            if (Float.floatToIntBits(yMinus[i]) != Float.floatToIntBits(-y[i])) {
                fail("erf(" + minusX[i] + ") = " + yMinus[i] + " but erf(" + x[i] + ") = " + y[i]);
            }
        }
    }

    @Test
    void erfIsMonotonicOnEveryFloatAcrossThePieceBoundaryAndTheRoundingToOne() {
        for (float[] range : new float[][] {{0.5f, 1f}, {3.5f, 4.5f}}) {
            float previous = VectorMath.erf(range[0]);
            for (int b = Float.floatToRawIntBits(range[0]) + 1; b <= Float.floatToRawIntBits(range[1]); b++) {
                float x = Float.intBitsToFloat(b);
                float y = VectorMath.erf(x);
                if (y < previous) {
                    fail("erf(" + x + ") = " + y + " < erf(" + Math.nextDown(x) + ") = " + previous);
                }
                previous = y;
            }
        }
    }
}
