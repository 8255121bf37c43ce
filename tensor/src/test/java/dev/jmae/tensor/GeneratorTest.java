package dev.jmae.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reproducibility and basic distribution properties of the seeded generator. */
class GeneratorTest {

    @Test
    void sameSeedGivesTheSameStreamOnEveryDevice() {
        float[] a = Tensor.randn(new Generator(42), 1000).to(Device.REFERENCE).toArray();
        assertArrayEquals(a, Tensor.randn(Device.REFERENCE, new Generator(42), 1000).toArray());
        assertArrayEquals(Tensor.rand(new Generator(43), 7, 33).toArray(),
                Tensor.rand(Device.REFERENCE, new Generator(43), 7, 33).toArray());
        assertArrayEquals(Tensor.truncatedNormal(new Generator(44), 0, 1, -0.5, 0.5, 197).toArray(),
                Tensor.truncatedNormal(Device.REFERENCE, new Generator(44), 0, 1, -0.5, 0.5, 197).toArray());
        assertNotEquals(new Generator(1).nextLong(), new Generator(2).nextLong());
    }

    @Test
    void stateRestoresTheStream() {
        Generator g = new Generator(7);
        g.nextLong();
        long[] state = g.state();
        double x = g.nextGaussian();
        int i = g.nextInt(1000);
        Generator h = new Generator(0);
        h.setState(state);
        assertEquals(x, h.nextGaussian());
        assertEquals(i, h.nextInt(1000));
        assertEquals(g.copy().nextLong(), g.nextLong());
        assertThrows(IllegalArgumentException.class, () -> h.setState(new long[4]));
    }

    @Test
    void samplesHaveTheirDistributions() {
        Generator g = new Generator(3);
        int n = 200_000;
        double sum = 0;
        double sumSq = 0;
        int[] buckets = new int[10];
        for (int k = 0; k < n; k++) {
            double z = g.nextGaussian();
            sum += z;
            sumSq += z * z;
            float u = g.nextFloat();
            assertTrue(u >= 0 && u < 1);
            buckets[g.nextInt(10)]++;
        }
        // mean 0 and variance 1 within about 5 standard errors
        assertEquals(0, sum / n, 5 / Math.sqrt(n));
        assertEquals(1, sumSq / n, 5 * Math.sqrt(2.0 / n));
        for (int b : buckets) {
            assertEquals(n / 10.0, b, 5 * Math.sqrt(n * 0.09));
        }
    }
}
