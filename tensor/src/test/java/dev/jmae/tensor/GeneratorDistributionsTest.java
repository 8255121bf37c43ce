package dev.jmae.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gamma (Marsaglia-Tsang) and Beta samples: sample mean and variance against the closed forms,
 * each within 5 standard errors (of the mean: √(var/n); of the variance: √((μ4 − σ⁴)/n), with
 * the Gamma(k) fourth central moment σ⁴(3 + 6/k), and for Beta the bound μ4 ≤ σ² that holds on
 * [0, 1]); n = 200,000 draws per case.
 */
class GeneratorDistributionsTest {

    private static final int N = 200_000;

    private static double[] moments(double[] xs) {
        double mean = 0;
        for (double x : xs) {
            mean += x;
        }
        mean /= xs.length;
        double var = 0;
        for (double x : xs) {
            var += (x - mean) * (x - mean);
        }
        return new double[] {mean, var / (xs.length - 1)};
    }

    @Test
    void gammaHasMeanAndVarianceEqualToTheShape() {
        Generator g = new Generator(11);
        for (double k : new double[] {0.3, 0.8, 1.0, 2.5, 9.0}) {
            double[] xs = new double[N];
            for (int i = 0; i < N; i++) {
                xs[i] = g.nextGamma(k);
                assertTrue(xs[i] >= 0, "Gamma samples are non-negative");
            }
            double[] m = moments(xs);
            double varOfVar = k * k * (2 + 6 / k) / N;
            assertEquals(k, m[0], 5 * Math.sqrt(k / N), "mean of Gamma(" + k + ")");
            assertEquals(k, m[1], 5 * Math.sqrt(varOfVar), "variance of Gamma(" + k + ")");
        }
    }

    @Test
    void betaHasTheClosedFormMeanAndVariance() {
        Generator g = new Generator(12);
        double[][] cases = {{0.8, 0.8}, {1.0, 1.0}, {0.4, 2.0}, {5.0, 1.5}};
        for (double[] ab : cases) {
            double a = ab[0];
            double b = ab[1];
            double[] xs = new double[N];
            for (int i = 0; i < N; i++) {
                xs[i] = g.nextBeta(a, b);
                assertTrue(xs[i] >= 0 && xs[i] <= 1, "Beta samples lie in [0, 1]");
            }
            double mean = a / (a + b);
            double var = a * b / ((a + b) * (a + b) * (a + b + 1));
            double[] m = moments(xs);
            String what = "Beta(" + a + ", " + b + ")";
            assertEquals(mean, m[0], 5 * Math.sqrt(var / N), "mean of " + what);
            assertEquals(var, m[1], 5 * Math.sqrt(var / N), "variance of " + what);
        }
    }

    @Test
    void samplesAreReproducibleAndShapesValidated() {
        Generator a = new Generator(5);
        Generator b = new Generator(5);
        for (int i = 0; i < 100; i++) {
            assertEquals(a.nextBeta(0.8, 0.8), b.nextBeta(0.8, 0.8));
        }
        assertThrows(IllegalArgumentException.class, () -> a.nextGamma(0));
        assertThrows(IllegalArgumentException.class, () -> a.nextBeta(1, -1));
        assertThrows(IllegalArgumentException.class, () -> a.nextGamma(Double.NaN));
    }
}
