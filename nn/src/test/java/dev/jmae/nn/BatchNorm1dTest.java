package dev.jmae.nn;

import dev.jmae.autograd.Variable;
import dev.jmae.autograd.testing.GradCheck;
import dev.jmae.nn.testing.GoldenFile;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BatchNorm1d against torch.nn.BatchNorm1d 1.13 ({@code tools/golden/make_finetune_fixtures.py}):
 * train-mode output and input gradient, running statistics after one and two batches (momentum
 * 0.1, unbiased variance), eval-mode output; forward within 1e-5 and gradients within 1e-4
 * relative to each tensor's scale, on the cpu and reference backends. Gradient checks on the
 * reference backend with GradCheck's defaults (h 1e-2, rtol 2e-3, atol 1e-5).
 */
class BatchNorm1dTest {

    private static BatchNorm1d build(GoldenFile f, String c, Device device) {
        boolean affine = f.has(c + ".weight");
        float eps = c.equals("probe") ? 1e-6f : 1e-5f;
        BatchNorm1d bn = new BatchNorm1d(device, f.get(c + ".x1").size(1), eps, 0.1f, affine);
        if (affine) {
            bn.loadStateDict(Map.of("weight", f.get(c + ".weight"), "bias", f.get(c + ".bias"),
                    "running_mean", bn.runningMean(), "running_var", bn.runningVar(),
                    "num_batches_tracked", Tensor.zeros(device)), true);
        }
        return bn;
    }

    @Test
    void matchesPyTorchInTrainingAndEval() {
        for (Device device : List.of(Device.CPU, Device.REFERENCE)) {
            GoldenFile f = GoldenFile.load("/golden/batch_norm1d.safetensors", device);
            for (String c : List.of("probe", "affine")) {
                BatchNorm1d bn = build(f, c, device);
                Variable x1 = Variable.of(f.get(c + ".x1"), true);
                Variable y1 = bn.forward(x1);
                y1.backward(f.get(c + ".g"));
                f.assertMatches(c + ".y1", y1.value(), 1e-5);
                f.assertMatches(c + ".dx1", x1.grad(), 1e-4);
                f.assertMatches(c + ".running_mean1", bn.runningMean(), 1e-5);
                f.assertMatches(c + ".running_var1", bn.runningVar(), 1e-5);
                if (c.equals("affine")) {
                    Map<String, Parameter> p = bn.namedParameters();
                    f.assertMatches(c + ".dweight", p.get("weight").grad(), 1e-4);
                    f.assertMatches(c + ".dbias", p.get("bias").grad(), 1e-4);
                }
                bn.forward(Variable.constant(f.get(c + ".x2")));
                f.assertMatches(c + ".running_mean2", bn.runningMean(), 1e-5);
                f.assertMatches(c + ".running_var2", bn.runningVar(), 1e-5);
                assertEquals(2f, bn.stateDict().get("num_batches_tracked").item(), 0f);
                bn.eval();
                f.assertMatches(c + ".y3", bn.forward(Variable.constant(f.get(c + ".x3"))).value(), 1e-5);
            }
        }
    }

    @Test
    void gradientsByFiniteDifferences() {
        Device d = Device.REFERENCE;
        BatchNorm1d probe = BatchNorm1d.linearProbe(d, 4);
        GradCheck.of("BatchNorm1d probe", v -> probe.forward(v[0]),
                Variable.of(Tensor.randn(new Generator(1), 6, 4).to(d), true)).run();
        BatchNorm1d affine = new BatchNorm1d(d, 3, 1e-5f, 0.1f, true);
        for (Parameter p : affine.parameters()) {
            p.value().addInPlace(Tensor.randn(new Generator(2), p.shape()).to(d).mul(0.3f));
        }
        Variable[] inputs = {Variable.of(Tensor.randn(new Generator(3), 5, 3).to(d), true),
            affine.namedParameters().get("weight"), affine.namedParameters().get("bias")};
        GradCheck.of("BatchNorm1d affine", v -> affine.forward(v[0]), inputs).run();
        affine.eval();
        GradCheck.of("BatchNorm1d affine eval", v -> affine.forward(v[0]), inputs).run();
    }

    @Test
    void registersTheOfficialKeysAndRejectsBadInput() {
        BatchNorm1d probe = BatchNorm1d.linearProbe(Device.REFERENCE, 8);
        assertEquals(List.of("running_mean", "running_var", "num_batches_tracked"),
                List.copyOf(probe.stateDict().keySet()));
        assertTrue(probe.parameters().isEmpty(), "affine=False has no parameters");
        assertArrayEquals(new int[0], probe.stateDict().get("num_batches_tracked").shape());
        BatchNorm1d affine = new BatchNorm1d(Device.REFERENCE, 8, 1e-5f, 0.1f, true);
        assertEquals(List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
                List.copyOf(affine.stateDict().keySet()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> probe.forward(Variable.constant(Tensor.zeros(Device.REFERENCE, 4, 7))));
        assertTrue(e.getMessage().contains("[N, 8]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> probe.forward(Variable.constant(Tensor.zeros(Device.REFERENCE, 1, 8))));
        assertTrue(e.getMessage().contains("more than 1 value per channel"), e.getMessage());
        probe.eval();
        // eval with the initial running statistics (mean 0, var 1) accepts a batch of one
        float y = probe.forward(Variable.constant(Tensor.full(Device.REFERENCE, 2f, 1, 8))).value().toArray()[0];
        assertEquals(2 / Math.sqrt(1 + 1e-6), y, 1e-6);
    }
}
