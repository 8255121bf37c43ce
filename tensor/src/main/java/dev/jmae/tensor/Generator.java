package dev.jmae.tensor;

import java.util.Arrays;

/**
 * An explicit, seeded source of randomness: xoshiro256** (Blackman and Vigna) seeded through
 * SplitMix64. All random tensors are drawn on the host from a generator and then copied to their
 * device, so the same seed gives the same numbers on every device.
 *
 * <p>A generator is not thread-safe; give each thread its own (see {@link #fork()}). Its whole
 * state is four longs ({@link #state()}, {@link #setState(long[])}), which is how training
 * checkpoints restore data order and masking noise exactly on resume.
 *
 * <p>Not the same stream as PyTorch's generator: golden tests pass randomness as data.
 */
public final class Generator {

    private final long[] s = new long[4];

    /**
     * Creates a generator from a seed.
     *
     * @param seed any value; equal seeds give equal streams
     */
    public Generator(long seed) {
        long x = seed;
        for (int i = 0; i < 4; i++) {
            x += 0x9E3779B97F4A7C15L;
            long z = x;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            s[i] = z ^ (z >>> 31);
        }
    }

    private Generator(long[] state) {
        System.arraycopy(state, 0, s, 0, 4);
    }

    /**
     * The next 64 random bits.
     *
     * @return a uniformly distributed long
     */
    public long nextLong() {
        long result = Long.rotateLeft(s[1] * 5, 7) * 9;
        long t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = Long.rotateLeft(s[3], 45);
        return result;
    }

    /**
     * A uniform float in [0, 1) with 24 random bits (every representable multiple of 2^-24).
     *
     * @return the value
     */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /**
     * A uniform double in [0, 1) with 53 random bits.
     *
     * @return the value
     */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /**
     * A uniform integer in [0, bound), without modulo bias (Lemire's method).
     *
     * @param bound exclusive upper bound, positive
     * @return the value
     * @throws IllegalArgumentException if bound is not positive
     */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("Generator.nextInt: expected a positive bound, got " + bound);
        }
        long m = (nextLong() >>> 32) * bound;
        long low = m & 0xFFFFFFFFL;
        if (low < bound) {
            long threshold = (0x100000000L - bound) % bound;
            while (low < threshold) {
                m = (nextLong() >>> 32) * bound;
                low = m & 0xFFFFFFFFL;
            }
        }
        return (int) (m >>> 32);
    }

    /**
     * A standard normal value (Box-Muller, one value per call, computed in double).
     *
     * @return a sample of N(0, 1)
     */
    public double nextGaussian() {
        double u1 = 1.0 - nextDouble();
        double u2 = nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /**
     * A Gamma(shape, 1) sample by Marsaglia and Tsang's method ("A simple method for generating
     * gamma variables", 2000): for shape ≥ 1, d = shape − 1/3, c = 1/√(9d), repeat
     * x ~ N(0, 1), v = (1 + c·x)³ until v &gt; 0 and u ~ U(0, 1) passes the squeeze
     * u &lt; 1 − 0.0331·x⁴ or log u &lt; x²/2 + d·(1 − v + log v); return d·v. For shape &lt; 1,
     * Gamma(shape + 1)·u^(1/shape). Mean shape, variance shape.
     *
     * @param shape k &gt; 0
     * @return the sample, ≥ 0
     * @throws IllegalArgumentException if shape is not positive and finite
     */
    public double nextGamma(double shape) {
        if (!(shape > 0) || Double.isInfinite(shape)) {
            throw new IllegalArgumentException("Generator.nextGamma: expected a positive shape, got " + shape);
        }
        if (shape < 1) {
            double u = 1.0 - nextDouble();
            return nextGamma(shape + 1) * Math.pow(u, 1 / shape);
        }
        double d = shape - 1.0 / 3.0;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = nextGaussian();
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = 1.0 - nextDouble();
            double x2 = x * x;
            if (u < 1 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }

    /**
     * A Beta(a, b) sample as X/(X + Y) with X ~ Gamma(a), Y ~ Gamma(b) ({@link #nextGamma});
     * numpy's {@code np.random.beta} draws the same distribution (with another algorithm for
     * a, b ≤ 1). Mean a/(a + b), variance ab/((a + b)²(a + b + 1)).
     *
     * @param a first shape, &gt; 0
     * @param b second shape, &gt; 0
     * @return the sample in [0, 1]
     * @throws IllegalArgumentException if a shape is not positive and finite
     */
    public double nextBeta(double a, double b) {
        while (true) {
            double x = nextGamma(a);
            double y = nextGamma(b);
            if (x + y > 0) {
                return x / (x + y);
            }
        }
    }

    /**
     * A new generator whose stream is independent of this one's continuation, seeded from this
     * generator's next output (so forking is itself reproducible).
     *
     * @return the child generator
     */
    public Generator fork() {
        return new Generator(nextLong());
    }

    /**
     * A copy with the same state: both produce the same stream from here.
     *
     * @return the copy
     */
    public Generator copy() {
        return new Generator(s);
    }

    /**
     * The full state, for checkpoints.
     *
     * @return four longs
     */
    public long[] state() {
        return s.clone();
    }

    /**
     * Restores a state saved with {@link #state()}.
     *
     * @param state four longs, not all zero
     * @throws IllegalArgumentException if state does not have 4 elements or is all zero
     */
    public void setState(long[] state) {
        if (state.length != 4 || (state[0] | state[1] | state[2] | state[3]) == 0) {
            throw new IllegalArgumentException("Generator.setState: expected 4 longs, not all zero, got "
                    + Arrays.toString(state));
        }
        System.arraycopy(state, 0, s, 0, 4);
    }
}
