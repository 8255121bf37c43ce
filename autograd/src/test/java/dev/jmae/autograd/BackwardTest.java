package dev.jmae.autograd;

import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The backward engine's contract: accumulation, release, determinism, no-grad scopes and errors. */
class BackwardTest {

    private static Variable leaf(long seed, int... shape) {
        return Variable.of(Tensor.randn(new Generator(seed), shape), true);
    }

    @Test
    void twoBackwardPassesAddAndZeroGradClears() {
        Variable x = leaf(1, 3);
        x.mul(2f).sum().backward();
        assertArrayEquals(new float[] {2, 2, 2}, x.grad().toArray());
        x.mul(3f).sum().backward();
        assertArrayEquals(new float[] {5, 5, 5}, x.grad().toArray());
        Tensor buffer = x.grad();
        x.zeroGrad();
        assertArrayEquals(new float[] {0, 0, 0}, x.grad().toArray());
        assertTrue(buffer == x.grad(), "zeroGrad keeps the buffer");
        x.setGrad(null);
        assertNull(x.grad());
    }

    @Test
    void aLeafUsedTwiceReceivesTheSumOfBothPaths() {
        Variable x = leaf(2, 4);
        Variable y = x.mul(x).add(x.exp());
        y.sum().backward();
        Tensor expected = x.value().mul(2f).add(x.value().exp());
        assertArrayEquals(expected.toArray(), x.grad().toArray(), 1e-6f);
    }

    @Test
    void sameGraphTwiceGivesBitIdenticalGradients() {
        float[][] runs = new float[2][];
        for (int r = 0; r < 2; r++) {
            Variable x = Variable.of(Tensor.randn(new Generator(3), 64, 96), true);
            Variable w = Variable.of(Tensor.randn(new Generator(4), 128, 96), true);
            Variable h = x.linear(w, null).gelu().layerNorm(null, null, 1e-6f);
            Variable loss = h.matmul(h.transpose(0, 1)).softmax(-1).sum(0, false).square().mean();
            loss.backward();
            float[] gx = x.grad().toArray();
            float[] gw = w.grad().toArray();
            runs[r] = new float[gx.length + gw.length];
            System.arraycopy(gx, 0, runs[r], 0, gx.length);
            System.arraycopy(gw, 0, runs[r], gx.length, gw.length);
        }
        for (int i = 0; i < runs[0].length; i++) {
            assertEquals(Float.floatToRawIntBits(runs[0][i]), Float.floatToRawIntBits(runs[1][i]), "element " + i);
        }
    }

    @Test
    void theGraphIsReleasedAfterBackwardUnlessRetained() {
        Variable x = leaf(5, 3);
        Variable loss = x.exp().sum();
        loss.backward(Tensor.ones(loss.device()), true);
        loss.backward(Tensor.ones(loss.device()), false);
        assertArrayEquals(x.value().exp().mul(2f).toArray(), x.grad().toArray(), 1e-6f);
        assertTrue(loss.gradFn().inputs().isEmpty(), "released nodes drop their inputs");
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("a second time") && e.getMessage().contains("retainGraph"), e.getMessage());
    }

    @Test
    void noGradRecordsNothing() {
        Variable x = leaf(6, 3);
        Variable y;
        try (GradMode.Scope s = GradMode.noGrad()) {
            y = x.mul(2f);
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        assertFalse(y.requiresGrad());
        assertNull(y.gradFn());
        assertThrows(IllegalStateException.class, () -> y.sum().backward());
    }

    @Test
    void nonDifferentiableOpsReturnConstants() {
        Variable x = leaf(7, 5);
        assertFalse(x.argsort(0, false).requiresGrad());
        assertFalse(x.argmax(0, false).requiresGrad());
        assertFalse(x.gt(x.mul(2f)).requiresGrad());
        assertFalse(x.detach().requiresGrad());
        assertTrue(x.add(Variable.constant(Tensor.ones(5))).requiresGrad());
        assertFalse(Variable.constant(Tensor.ones(5)).add(1f).requiresGrad());
    }

    @Test
    void misuseIsReportedClearly() {
        Variable x = leaf(8, 2, 3);
        IllegalArgumentException nonScalar = assertThrows(IllegalArgumentException.class, () -> x.mul(2f).backward());
        assertTrue(nonScalar.getMessage().contains("one-element"), nonScalar.getMessage());
        assertThrows(IllegalArgumentException.class, () -> x.mul(2f).backward(Tensor.ones(3)));
        assertThrows(IllegalStateException.class, () -> x.mul(2f).setRequiresGrad(false));
        Variable y = x.mul(2f);
        y.backward(Tensor.ones(2, 3));
        assertArrayEquals(new float[] {2, 2, 2, 2, 2, 2}, x.grad().toArray());
    }

    @Test
    void frozenLeavesGetNoGradient() {
        Variable w = leaf(9, 3);
        Variable b = leaf(10, 3);
        b.setRequiresGrad(false);
        w.mul(b).sum().backward();
        assertArrayEquals(b.value().toArray(), w.grad().toArray());
        assertNull(b.grad());
    }
}
