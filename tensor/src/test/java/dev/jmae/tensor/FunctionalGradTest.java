package dev.jmae.tensor;

import dev.jmae.tensor.testing.FiniteDifferences;
import dev.jmae.tensor.testing.TestData;
import org.junit.jupiter.api.Test;

/**
 * The backward kernels of {@link Functional} (attention, softmax, log-softmax, layer norm, GELU)
 * agree with central finite differences taken with a random upstream gradient, on the reference
 * backend (double internally, float32 storage) and on the cpu backend.
 *
 * <p>Step h = 1e-2 on inputs of order 1; rtol 2e-3 of the gradient's largest entry on the
 * reference and 5e-3 on cpu (float32 throughout adds about |L|·eps/h of noise to each estimate).
 * See {@link FiniteDifferences} for the error budget.
 */
class FunctionalGradTest {

    private static final double H = 1e-2;

    private static double rtol(Device d) {
        return d.equals(Device.REFERENCE) ? 2e-3 : 5e-3;
    }

    private static Tensor rnd(Device d, long seed, int... shape) {
        return Tensor.of(d, TestData.normal(new Generator(seed), Shape.numel(shape), 0, 1), shape);
    }

    @Test
    void attentionBackwardMatchesFiniteDifferences() {
        for (Device d : new Device[] {Device.REFERENCE, Device.CPU}) {
            int b = 2;
            int h = 2;
            int m = 3;
            int n = 5;
            int dh = 4;
            float scale = 0.5f;
            Tensor q = rnd(d, 1, b, h, m, dh);
            Tensor k = rnd(d, 2, b, h, n, dh);
            Tensor v = rnd(d, 3, b, h, n, dh);
            Tensor g = rnd(d, 4, b, h, m, dh);
            Functional.AttentionOutput f = Functional.scaledDotProductAttention(q, k, v, scale);
            Functional.AttentionGrads gr = Functional.attentionBackward(g, q, k, v, f.output(), f.lse(), scale);
            FiniteDifferences.check(d + " attention",
                    x -> Functional.scaledDotProductAttention(x[0], x[1], x[2], scale).output(),
                    new Tensor[] {q, k, v}, g, new Tensor[] {gr.dq(), gr.dk(), gr.dv()}, H, rtol(d));
        }
    }

    @Test
    void softmaxAndLogSoftmaxBackwardMatchFiniteDifferences() {
        for (Device d : new Device[] {Device.REFERENCE, Device.CPU}) {
            for (int dim : new int[] {-1, 0}) {
                Tensor x = rnd(d, 5, 4, 7);
                Tensor g = rnd(d, 6, 4, 7);
                Tensor y = x.softmax(dim);
                FiniteDifferences.check(d + " softmax dim " + dim, t -> t[0].softmax(dim), new Tensor[] {x}, g,
                        new Tensor[] {Functional.softmaxBackward(y, g, dim)}, H, rtol(d));
                Tensor ly = x.logSoftmax(dim);
                FiniteDifferences.check(d + " logSoftmax dim " + dim, t -> t[0].logSoftmax(dim), new Tensor[] {x}, g,
                        new Tensor[] {Functional.logSoftmaxBackward(ly, g, dim)}, H, rtol(d));
            }
        }
    }

    @Test
    void layerNormBackwardMatchesFiniteDifferences() {
        for (Device d : new Device[] {Device.REFERENCE, Device.CPU}) {
            Tensor x = rnd(d, 7, 3, 9);
            Tensor w = rnd(d, 8, 9).mul(0.5f).add(1f);
            Tensor b = rnd(d, 9, 9);
            Tensor g = rnd(d, 10, 3, 9);
            Functional.LayerNormOutput f = Functional.layerNorm(x, w, b, 1e-6f);
            Functional.LayerNormGrads gr = Functional.layerNormBackward(g, x, f.mean(), f.rstd(), w, true, true);
            FiniteDifferences.check(d + " layerNorm", t -> Functional.layerNorm(t[0], t[1], t[2], 1e-6f).output(),
                    new Tensor[] {x, w, b}, g, new Tensor[] {gr.dx(), gr.dweight(), gr.dbias()}, H, rtol(d));
        }
    }

    @Test
    void geluBackwardMatchesFiniteDifferences() {
        for (Device d : new Device[] {Device.REFERENCE, Device.CPU}) {
            Tensor x = rnd(d, 11, 5, 7).mul(2f);
            Tensor g = rnd(d, 12, 5, 7);
            FiniteDifferences.check(d + " gelu", t -> t[0].gelu(), new Tensor[] {x}, g,
                    new Tensor[] {Functional.geluBackward(g, x)}, H, rtol(d));
        }
    }
}
