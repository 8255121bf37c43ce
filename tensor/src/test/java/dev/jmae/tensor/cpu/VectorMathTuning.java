package dev.jmae.tensor.cpu;

import dev.jmae.tensor.UnaryOp;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A quick harness for {@link VectorMath} (not a test, and not the project's benchmark: JMH benches
 * live in the {@code bench} module).
 *
 * <p>Usage: {@code VectorMathTuning [throughput | exhaustive]}.
 * <ul>
 *   <li>{@code throughput} (default): median elements/s of {@link VectorMath#erf(FloatVector)}
 *       over a 1M-element array on the calling thread, next to {@code lanewise(EXP)}, the scalar
 *       {@link VectorMath#erf(float)} and a plain copy, for scale;</li>
 *   <li>{@code exhaustive}: the max ulp error against {@link UnaryOp#erf(double)} over every
 *       float in [0, 4.5] (about 1.08e9 values, on all cores, a minute or two), and whether the
 *       vector and scalar versions agree bit for bit on all of them.</li>
 * </ul>
 * Example: {@code java --add-modules jdk.incubator.vector -cp tensor/target/classes:tensor/target/test-classes
 * dev.jmae.tensor.cpu.VectorMathTuning exhaustive}
 */
public final class VectorMathTuning {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorMathTuning() {
    }

    /**
     * Runs the harness.
     *
     * @param args {@code throughput} (default) or {@code exhaustive}
     */
    public static void main(String[] args) {
        String mode = args.length == 0 ? "throughput" : args[0];
        switch (mode) {
            case "throughput" -> throughput();
            case "exhaustive" -> exhaustive();
            default -> throw new IllegalArgumentException(
                    "unknown mode '" + mode + "'; hint: throughput or exhaustive");
        }
    }

    private interface Kernel {
        void run(float[] out, float[] in);
    }

    private static void throughput() {
        int n = 1 << 20;
        float[] in = new float[n];
        float[] out = new float[n];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < n; i++) {
            in[i] = (float) (rnd.nextGaussian() * 2.0);
        }
        System.out.printf("lanes=%d n=%d, elements/s, median of 41 runs after warm-up%n", S.length(), n);
        report("VectorMath.erf (vector)", out, in, VectorMathTuning::erfVector);
        report("VectorMath.erf (scalar)", out, in, (o, x) -> {
            for (int i = 0; i < x.length; i++) {
                o[i] = VectorMath.erf(x[i]);
            }
        });
        report("lanewise(EXP)", out, in, (o, x) -> {
            int i = 0;
            for (; i <= x.length - S.length(); i += S.length()) {
                FloatVector.fromArray(S, x, i).lanewise(jdk.incubator.vector.VectorOperators.EXP).intoArray(o, i);
            }
            for (; i < x.length; i++) {
                o[i] = (float) Math.exp(x[i]);
            }
        });
        report("copy", out, in, (o, x) -> {
            int i = 0;
            for (; i <= x.length - S.length(); i += S.length()) {
                FloatVector.fromArray(S, x, i).intoArray(o, i);
            }
        });
    }

    private static void erfVector(float[] out, float[] in) {
        int i = 0;
        for (; i <= in.length - S.length(); i += S.length()) {
            VectorMath.erf(FloatVector.fromArray(S, in, i)).intoArray(out, i);
        }
        for (; i < in.length; i++) {
            out[i] = VectorMath.erf(in[i]);
        }
    }

    private static void report(String name, float[] out, float[] in, Kernel kernel) {
        for (int w = 0; w < 200; w++) {
            kernel.run(out, in);
        }
        long[] nanos = new long[41];
        for (int r = 0; r < nanos.length; r++) {
            long t0 = System.nanoTime();
            kernel.run(out, in);
            nanos[r] = System.nanoTime() - t0;
        }
        Arrays.sort(nanos);
        double perSecond = in.length / (nanos[nanos.length / 2] * 1e-9);
        System.out.printf("  %-26s %6.2f G elem/s (%.2f ns/elem)%n", name, perSecond * 1e-9, 1e9 / perSecond);
    }

    /** Every float in [0, 4.5] in chunks of 2^20 bit patterns; negative x follow by odd symmetry. */
    private static void exhaustive() {
        int last = Float.floatToRawIntBits(4.5f);
        int chunk = 1 << 20;
        int chunks = last / chunk + 1;
        double[][] results = new double[chunks][];
        IntStream.range(0, chunks).parallel().forEach(c -> {
            float[] x = new float[chunk];
            float[] v = new float[chunk];
            int from = c * chunk;
            int len = Math.min(chunk, last + 1 - from);
            for (int i = 0; i < len; i++) {
                x[i] = Float.intBitsToFloat(from + i);
            }
            int i = 0;
            for (; i <= len - S.length(); i += S.length()) {
                VectorMath.erf(FloatVector.fromArray(S, x, i)).intoArray(v, i);
            }
            for (; i < len; i++) {
                v[i] = VectorMath.erf(x[i]);
            }
            double worst = -1;
            double worstX = 0;
            double mismatches = 0;
            for (i = 0; i < len; i++) {
                if (Float.floatToIntBits(v[i]) != Float.floatToIntBits(VectorMath.erf(x[i]))) {
                    mismatches++;
                }
                double exact = UnaryOp.erf(x[i]);
                double ulps = Math.abs(v[i] - exact) / Math.ulp((float) exact);
                if (ulps > worst) {
                    worst = ulps;
                    worstX = x[i];
                }
            }
            results[c] = new double[] {worst, worstX, mismatches};
        });
        double worst = -1;
        double worstX = 0;
        double mismatches = 0;
        double[] perBinade = new double[8];
        for (double[] r : results) {
            mismatches += r[2];
            if (r[0] > worst) {
                worst = r[0];
                worstX = r[1];
            }
        }
        System.out.printf("every float in [0, 4.5] (%d values): max %.4f ulp at x = %s (erf = %s, exact %s)%n",
                last + 1L, worst, (float) worstX, VectorMath.erf((float) worstX), UnaryOp.erf(worstX));
        System.out.printf("vector/scalar bit mismatches: %.0f%n", mismatches);
        for (int c = 0; c < chunks; c++) {
            float x0 = Float.intBitsToFloat(c * chunk);
            int bucket = x0 < 0.5f ? 0 : x0 < 0.75f ? 1 : x0 < 1.5f ? 2 : x0 < 2.5f ? 3 : x0 < 3.5f ? 4 : 5;
            perBinade[bucket] = Math.max(perBinade[bucket], results[c][0]);
        }
        String[] names = {"[0, 0.5)", "[0.5, 0.75)", "[0.75, 1.5)", "[1.5, 2.5)", "[2.5, 3.5)", "[3.5, 4.5]"};
        for (int b = 0; b < names.length; b++) {
            System.out.printf("  %-12s max %.4f ulp%n", names[b], perBinade[b]);
        }
    }
}
