package dev.jmae.nn;

import dev.jmae.autograd.Variable;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DropPath against timm's {@code drop_path} (timm/layers/drop.py): a per-sample Bernoulli(1 − p)
 * mask over the first dimension, kept samples scaled by 1/(1 − p), identity in eval mode and at
 * p = 0.
 */
class DropPathTest {

    @Test
    void keepsTheExpectation() {
        // 20,000 samples of one element each; p = 0.3, so each output is 0 or 1/0.7 and the mean
        // is (kept/n)/0.7 with standard deviation sqrt(p(1-p)/n)/0.7 = 4.6e-3; 5 sigma = 0.023.
        float p = 0.3f;
        int n = 20_000;
        DropPath dp = new DropPath(p, new Generator(42));
        float[] y = dp.forward(Variable.constant(Tensor.ones(Device.REFERENCE, n, 1))).value().toArray();
        double sum = 0;
        int kept = 0;
        for (float v : y) {
            sum += v;
            if (v != 0) {
                kept++;
                assertEquals(1 / (1 - p), v, 1e-6, "kept samples are scaled by 1/keep_prob");
            }
        }
        double sd = Math.sqrt(p * (1 - p) / n) / (1 - p);
        assertEquals(1.0, sum / n, 5 * sd, "mean of the output");
        assertEquals(1 - p, (double) kept / n, 5 * Math.sqrt(p * (1 - p) / n), "share of kept samples");
    }

    @Test
    void masksWholeSamplesAndIsIdentityInEval() {
        DropPath dp = new DropPath(0.5f, new Generator(7));
        Tensor x = Tensor.randn(new Generator(8), 64, 3, 5).to(Device.REFERENCE);
        float[] in = x.toArray();
        float[] out = dp.forward(Variable.constant(x)).value().toArray();
        int dropped = 0;
        for (int b = 0; b < 64; b++) {
            boolean zero = out[b * 15] == 0f;
            dropped += zero ? 1 : 0;
            for (int i = b * 15; i < (b + 1) * 15; i++) {
                assertEquals(zero ? 0f : in[i] * 2f, out[i], 1e-6f, "sample " + b + " is dropped or kept as a whole");
            }
        }
        assertTrue(dropped > 0 && dropped < 64, "some samples dropped, some kept: " + dropped);
        Variable v = Variable.constant(x);
        dp.eval();
        assertSame(v, dp.forward(v));
        dp.train();
        assertSame(v, new DropPath(0f, new Generator(1)).forward(v));
    }
}
