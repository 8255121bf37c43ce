package dev.jmae.tensor;

import dev.jmae.tensor.testing.ParityAssert;
import dev.jmae.tensor.testing.TestData;
import org.junit.jupiter.api.Test;

/**
 * The fused attention kernel equals softmax(Q·Kᵀ/√Dh)·V composed from separate ops (matmul,
 * softmax, matmul), with M ≠ N and several heads, on both built-in backends.
 */
class AttentionTest {

    private static void compareWithComposition(Device device, int b, int h, int m, int n, int dh) {
        Generator g = new Generator(b * 100L + m + n);
        Tensor q = Tensor.of(device, TestData.normal(g, b * h * m * dh, 0, 1), b, h, m, dh);
        Tensor k = Tensor.of(device, TestData.normal(g, b * h * n * dh, 0, 1), b, h, n, dh);
        Tensor v = Tensor.of(device, TestData.normal(g, b * h * n * dh, 0, 1), b, h, n, dh);
        float scale = (float) (1 / Math.sqrt(dh));
        Tensor scores = q.matmul(k.transpose(-2, -1)).mul(scale);
        Tensor composed = scores.softmax(-1).matmul(v);
        Functional.AttentionOutput fused = Functional.scaledDotProductAttention(q, k, v, scale);
        String name = device + " attention B" + b + " H" + h + " M" + m + " N" + n + " Dh" + dh;
        // Both sides compute in float32 (cpu) or round once from double (reference): 1e-5 of the output scale.
        ParityAssert.assertClose(name + " output", composed, fused.output(), 1e-5, 1e-5);
        // lse = log(sum(exp(scores))) per query
        Tensor lse = scores.exp().sum(-1, false).log();
        ParityAssert.assertClose(name + " lse", lse, fused.lse(), 1e-5, 1e-5);
    }

    @Test
    void fusedAttentionEqualsComposedOpsWithDifferentQueryAndKeyLengths() {
        for (Device d : new Device[] {Device.REFERENCE, Device.CPU}) {
            compareWithComposition(d, 2, 3, 7, 5, 8);
            compareWithComposition(d, 1, 16, 147, 50, 32);
            compareWithComposition(d, 2, 4, 5, 33, 16);
            compareWithComposition(d, 1, 2, 1, 1, 1);
        }
    }
}
