package dev.jmae.nn;

import dev.jmae.autograd.Variable;
import dev.jmae.autograd.testing.GradCheck;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Losses against their formulas, and the initializers' bounds and fans. */
class LossesAndInitTest {

    @Test
    void crossEntropyWithLabelSmoothingFollowsTheFormula() {
        float[] logits = {2, 0, -1, 0.5f, 0.5f, 3};
        Tensor targets = Tensor.of(new float[] {0, 2}, 2);
        double expected = 0;
        for (int r = 0; r < 2; r++) {
            double max = Math.max(Math.max(logits[3 * r], logits[3 * r + 1]), logits[3 * r + 2]);
            double lse = max + Math.log(Math.exp(logits[3 * r] - max) + Math.exp(logits[3 * r + 1] - max)
                    + Math.exp(logits[3 * r + 2] - max));
            int y = (int) targets.toArray()[r];
            double nll = lse - logits[3 * r + y];
            double smooth = lse - (logits[3 * r] + logits[3 * r + 1] + logits[3 * r + 2]) / 3.0;
            expected += (0.9 * nll + 0.1 * smooth) / 2;
        }
        Variable x = Variable.of(Tensor.of(logits, 2, 3), true);
        assertEquals(expected, Losses.crossEntropy(x, targets, 0.1f).item(), 1e-6);
        GradCheck.of("crossEntropy", v -> Losses.crossEntropy(v[0], targets.to(Device.REFERENCE), 0.1f),
                Variable.of(Tensor.of(logits, 2, 3).to(Device.REFERENCE), true)).run();
        assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(x, Tensor.zeros(3), 0f));
    }

    @Test
    void mseIsTheMeanOfSquares() {
        Variable p = Variable.of(Tensor.of(new float[] {1, 2, 3}, 3), true);
        assertEquals((1 + 0 + 4) / 3.0, Losses.mse(p, Tensor.of(new float[] {0, 2, 5}, 3)).item(), 1e-7);
    }

    @Test
    void xavierUsesTheStoredShapesFans() {
        assertArrayEquals(new int[] {768, 2304}, Init.fans(new int[] {2304, 768}));
        assertArrayEquals(new int[] {3 * 16 * 16, 768 * 16 * 16}, Init.fans(new int[] {768, 3, 16, 16}));
        // docs/model.md §12: fused qkv of ViT-B 0.0442, kv of CrossMAE-B 0.0579, patch embedding 0.0625... (conv fans differ:
        // the official code views the conv weight as [E, 3p²] for xavier)
        assertEquals(0.0442, Init.xavierUniformBound(new int[] {3 * 768, 768}), 5e-5);
        assertEquals(0.0579, Init.xavierUniformBound(new int[] {2 * 512, 768}), 5e-5);
        assertEquals(0.0625, Init.xavierUniformBound(new int[] {768, 768}), 5e-5);
        Tensor w = Init.xavierUniform(Tensor.zeros(2304, 768), new Generator(1));
        double a = Init.xavierUniformBound(new int[] {2304, 768});
        double max = w.abs().max().item();
        assertTrue(max <= a && max > 0.999 * a, "max |w| " + max + " vs bound " + a);
        assertEquals(a * a / 3, w.var(new int[] {0, 1}, 0, false).item(), a * a / 3 * 0.01);
        Tensor t = Init.truncatedNormal(Tensor.zeros(10000), 0, 0.02, -0.04, 0.04, new Generator(2));
        assertTrue(t.abs().max().item() <= 0.04f);
        assertThrows(IllegalArgumentException.class, () -> Init.fans(new int[] {5}));
    }
}
