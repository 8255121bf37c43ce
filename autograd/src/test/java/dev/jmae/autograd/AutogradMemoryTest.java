package dev.jmae.autograd;

import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.MemoryStats;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.TensorScope;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * After backward of a 12-block transformer-sized graph, live bytes return to the parameters plus
 * their gradients: the graph keeps nothing alive. Measured with the cpu backend's byte counters.
 *
 * <p>The graph is a pre-norm ViT encoder of width 192, 3 heads, MLP 768, on [8, 50, 192] tokens:
 * ViT-Tiny's block on a MAE-sized visible set, 12 blocks.
 */
class AutogradMemoryTest {

    static final int B = 8;
    static final int T = 50;
    static final int D = 192;
    static final int H = 3;
    static final int DEPTH = 12;

    private final List<Variable> params = new ArrayList<>();

    private Variable param(Generator g, int... shape) {
        Variable p = Variable.of(TensorScope.detach(Tensor.randn(g, shape).mul(0.02f)), true);
        params.add(p);
        return p;
    }

    private Variable block(Variable x, Generator g) {
        Variable n1w = param(g, D);
        Variable n1b = param(g, D);
        Variable qkvW = param(g, 3 * D, D);
        Variable qkvB = param(g, 3 * D);
        Variable projW = param(g, D, D);
        Variable projB = param(g, D);
        Variable n2w = param(g, D);
        Variable n2b = param(g, D);
        Variable fc1W = param(g, 4 * D, D);
        Variable fc1B = param(g, 4 * D);
        Variable fc2W = param(g, D, 4 * D);
        Variable fc2B = param(g, D);
        Variable qkv = x.layerNorm(n1w, n1b, 1e-6f).linear(qkvW, qkvB).reshape(B, T, 3, H, D / H).permute(2, 0, 3, 1,
                4);
        Variable a = Variable.attention(qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2),
                (float) Math.pow(D / H, -0.5));
        x = x.add(a.transpose(1, 2).reshape(B, T, D).linear(projW, projB));
        return x.add(x.layerNorm(n2w, n2b, 1e-6f).linear(fc1W, fc1B).gelu().linear(fc2W, fc2B));
    }

    /**
     * Live bytes once the garbage collector and the storages' Cleaner have finished: the same value
     * read five times in a row, a collection and 30 ms apart (on a loaded machine the Cleaner thread
     * may lag a collection by more than one short wait, and garbage from earlier tests in this JVM
     * may still be on its way out).
     */
    private static long settledLiveBytes(MemoryStats stats) throws InterruptedException {
        long last = -1;
        int same = 0;
        for (int i = 0; i < 400 && same < 5; i++) {
            System.gc();
            Thread.sleep(30);
            long now = stats.liveBytes();
            same = now == last ? same + 1 : 0;
            last = now;
        }
        return last;
    }

    private static long bytes(List<Variable> vs, boolean grads) {
        long n = 0;
        for (Variable v : vs) {
            n += 4L * (grads ? v.grad().numel() : v.numel());
        }
        return n;
    }

    @Test
    void liveBytesReturnToParametersPlusGradientsAfterBackward() throws InterruptedException {
        MemoryStats stats = Backends.of(Device.CPU).memory();
        Generator g = new Generator(1);
        Variable input = Variable.constant(TensorScope.detach(Tensor.randn(g, B, T, D)));
        long baseline = settledLiveBytes(stats);
        Variable x = input;
        for (int i = 0; i < DEPTH; i++) {
            x = block(x, g);
        }
        Variable loss = x.square().mean();
        x = null;
        long paramBytes = bytes(params, false);
        stats.resetPeak();
        loss.backward();
        long peak = stats.peakBytes();
        // The loss is still referenced: its released graph must not keep the activations alive.
        // Live: the baseline, every parameter, its gradient, and the loss's own 4-byte value.
        long after = settledLiveBytes(stats);
        long gradBytes = bytes(params, true);
        assertEquals(paramBytes, gradBytes);
        assertEquals(12 * 12, params.size());
        assertEquals(baseline + paramBytes + gradBytes + 4, after,
                "live bytes after backward: expected baseline " + baseline + " + params " + paramBytes + " + grads "
                        + gradBytes + " + 4; peak during backward was " + peak + " (loss " + loss.item() + ")");
        assertTrue(peak > after + 4L * B * T * D * DEPTH,
                "the activations were live during backward (peak " + peak + ")");
    }

    @Test
    void aTensorScopeReleasesTheStepWithoutTheGarbageCollector() throws InterruptedException {
        MemoryStats stats = Backends.of(Device.CPU).memory();
        Generator g = new Generator(2);
        Variable x = Variable.constant(TensorScope.detach(Tensor.randn(g, B, T, D)));
        List<Variable> ps = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ps.add(Variable.of(TensorScope.detach(Tensor.randn(g, D, D).mul(0.05f)), true));
        }
        // no garbage left to be collected during the step, so the counter moves only by what the step does
        long before = settledLiveBytes(stats);
        int owned;
        try (TensorScope step = TensorScope.open()) {
            Variable h = x;
            for (Variable w : ps) {
                h = h.linear(w, null).gelu();
            }
            h.square().mean().backward();
            owned = step.ownedCount();
        }
        long gradBytes = 0;
        for (Variable w : ps) {
            gradBytes += 4L * w.grad().numel();
        }
        assertEquals(before + gradBytes, stats.liveBytes(), "after the step scope closed, only the gradients remain");
        assertTrue(owned > 0, "the forward activations belonged to the step scope");
    }
}
