package dev.jmae.nn;

import dev.jmae.autograd.Variable;
import dev.jmae.autograd.testing.GradCheck;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Soft-target cross-entropy (timm SoftTargetCrossEntropy): equal to the label-smoothed hard-label
 * cross-entropy for smoothed one-hot targets, a hand-computed two-class value, and a gradient check
 * (reference backend, GradCheck defaults).
 */
class SoftTargetCrossEntropyTest {

    private static final Device D = Device.REFERENCE;

    @Test
    void smoothedOneHotTargetsGiveTheLabelSmoothedLoss() {
        int n = 5;
        int k = 7;
        float eps = 0.1f;
        Tensor logits = Tensor.randn(new Generator(1), n, k).to(D).mul(2f);
        float[] labels = {0, 6, 3, 3, 1};
        float[] soft = new float[n * k];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < k; c++) {
                soft[i * k + c] = (c == labels[i] ? 1 - eps : 0) + eps / k;
            }
        }
        float hard = Losses.crossEntropy(Variable.constant(logits), Tensor.of(D, labels, n), eps).item();
        float softLoss = Losses.softTargetCrossEntropy(Variable.constant(logits), Tensor.of(D, soft, n, k)).item();
        assertEquals(hard, softLoss, 1e-5);
    }

    @Test
    void twoClassValueByHand() {
        // logits (0, ln 3): p = (1/4, 3/4); target (0.3, 0.7): loss = -(0.3 ln 1/4 + 0.7 ln 3/4)
        Tensor logits = Tensor.of(D, new float[] {0f, (float) Math.log(3)}, 1, 2);
        float loss = Losses
                .softTargetCrossEntropy(Variable.constant(logits), Tensor.of(D, new float[] {0.3f, 0.7f}, 1, 2)).item();
        assertEquals(-(0.3 * Math.log(0.25) + 0.7 * Math.log(0.75)), loss, 1e-6);
        assertThrows(IllegalArgumentException.class, () -> Losses.softTargetCrossEntropy(Variable.constant(logits),
                Tensor.zeros(D, 1, 3)));
    }

    @Test
    void gradientByFiniteDifferences() {
        Tensor targets = Tensor.rand(new Generator(3), 4, 5).to(D);
        Tensor rowSums = targets.sum(1, true);
        Tensor t = targets.div(rowSums);
        GradCheck.of("softTargetCrossEntropy", v -> Losses.softTargetCrossEntropy(v[0], t),
                Variable.of(Tensor.randn(new Generator(4), 4, 5).to(D), true)).run();
    }
}
