package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.testing.TestDevices;
import dev.jmae.nn.testing.GoldenFile;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * {@code jmae steps} against PyTorch (tools/golden/make_steps_fixtures.py: the models of
 * tools/golden/models.py, torch.optim.AdamW with main_pretrain.py's groups and betas): 5 steps at
 * lr 1e-3, weight decay 0.05, on the CrossMAE (γ 0.25, IBA) and MAE fixture batches, on the cpu,
 * reference and opencl:0 backends (or on the device named by {@code -Djmae.test.device}).
 *
 * <p>Tolerances. The losses before each step and after the last within 1e-5 relative (measured:
 * at most 2e-7, one or two float32 ulps). Every weight within 0.05·lr of PyTorch's (measured: at
 * most 3.1e-3·lr over the three backends): Adam's update m̂/(√v̂ + eps) is a normalized gradient,
 * so a relative gradient difference δ of an element moves it by about lr·δ per step, and the
 * gradients agree to about 1e-3 of each tensor's scale (ForwardGoldenTest). The exception is the
 * key part of every attention bias (qkv.bias rows D..2D, kv.bias rows 0..D): softmax over the keys
 * does not change when the same q·b_k is added to every score, so its gradient is zero
 * analytically and float32 noise on both sides, which Adam scales up to steps of about ±lr; those
 * elements only have to stay within 2·N·lr of PyTorch's (measured: 1.5·lr).
 */
class StepsGoldenTest {

    @TempDir
    Path dir;

    @TestFactory
    List<DynamicTest> stepsMatchPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String v : List.of("crossmae_kmr025", "mae")) {
            for (String device : TestDevices.or(List.of("cpu", "reference", "opencl:0"))) {
                tests.add(dynamicTest(v + " on " + device, () -> check(v, device)));
            }
        }
        return tests;
    }

    /** The rows [lo, hi) of a bias that are attention-key biases (zero gradient analytically), or null. */
    private static int[] keyBiasRows(String key, int n) {
        if (key.endsWith("qkv.bias")) {
            return new int[] {n / 3, 2 * n / 3};
        }
        if (key.endsWith(".kv.bias")) {
            return new int[] {0, n / 2};
        }
        return null;
    }

    private void check(String variant, String device) throws Exception {
        TestDevices.require(Device.parse(device));
        GoldenFile expected = GoldenFile.load(ForwardGoldenTest.resource(variant + ".steps.safetensors"), Device.CPU);
        Map<String, String> meta = expected.metadata();
        Path config = dir.resolve(variant + ".json");
        Files.writeString(config, meta.get("config"));
        Path out = dir.resolve(variant + ".steps.out.safetensors");
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"steps", "--config", config.toString(),
            "--weights", ForwardGoldenTest.resource(variant + ".weights.safetensors").toString(),
            "--batch", ForwardGoldenTest.resource(variant + ".batch.safetensors").toString(), "--steps",
            meta.get("steps"),
            "--lr", meta.get("lr"), "--weight-decay", meta.get("weight_decay"), "--out", out.toString(), "--device",
            device},
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(0, code, err.toString());
        GoldenFile got = GoldenFile.load(out, Device.CPU);
        String name = variant + " (" + device + ")";
        int steps = Integer.parseInt(meta.get("steps"));
        double lr = Double.parseDouble(meta.get("lr"));
        float[] want = expected.get("losses").toArray();
        float[] have = got.get("losses").toArray();
        assertEquals(steps, have.length, name + " losses");
        for (int s = 0; s < steps; s++) {
            assertEquals(want[s], have[s], 1e-5 * Math.abs(want[s]), name + " loss before step " + (s + 1));
        }
        assertTrue(have[steps - 1] < have[0], name + " the loss falls: " + java.util.Arrays.toString(have));
        float after = expected.get("loss_after").item();
        assertEquals(after, got.get("loss_after").item(), 1e-5 * Math.abs(after), name + " loss after the last step");
        Map<String, Tensor> weights = expected.withPrefix("weights.");
        assertEquals(weights.keySet(), got.withPrefix("weights.").keySet(), name + " weight keys");
        for (Map.Entry<String, Tensor> e : weights.entrySet()) {
            float[] a = e.getValue().toArray();
            float[] b = got.get("weights." + e.getKey()).toArray();
            int[] keyRows = keyBiasRows(e.getKey(), a.length);
            for (int i = 0; i < a.length; i++) {
                boolean keyBias = keyRows != null && i >= keyRows[0] && i < keyRows[1];
                double tol = keyBias ? 2 * steps * lr : 0.05 * lr;
                if (!(Math.abs(a[i] - b[i]) <= tol)) {
                    throw new AssertionError(
                            String.format("%s weights.%s[%d]: PyTorch %.9g, jmae %.9g, |diff| %.3g > %.3g (%s)",
                                    name, e.getKey(), i, a[i], b[i], Math.abs(a[i] - b[i]), tol,
                                    keyBias ? "2·N·lr" : "0.05·lr"));
                }
            }
        }
    }
}
