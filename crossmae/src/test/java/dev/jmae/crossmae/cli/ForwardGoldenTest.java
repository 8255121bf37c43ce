package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.testing.TestDevices;
import dev.jmae.nn.testing.GoldenFile;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.testing.ParityAssert;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * {@code jmae forward --grads} against the independent PyTorch implementation of
 * tools/golden/models.py, for every fixture variant (γ 0.25 and 0.75, self-attention, last feature
 * map only, grayscale, MAE with and without norm-pix loss), on the cpu and reference backends (or on
 * the device named by {@code -Djmae.test.device}, e.g. cuda:0 in the device check):
 * loss within 1e-5 relative, pred within 1e-4 relative (plus 1e-4 of the tensor's scale), the mask
 * exactly, and every parameter gradient within 1e-3 of that tensor's largest value, with an absolute
 * floor of 1e-7: a gradient that vanishes analytically is float32 noise on both sides (with use_fm
 * = last block only, each block's IBA weight scales a single map that then goes through
 * LayerNorm, which is scale-invariant, so dL/dW is only the eps term: about 6e-7, reproduced to a
 * few percent).
 */
class ForwardGoldenTest {

    static final List<String> VARIANTS = List.of("crossmae_kmr025", "crossmae_kmr075", "crossmae_selfattn",
            "crossmae_lastfm", "crossmae_gray", "mae", "mae_nonorm");

    @TempDir
    Path dir;

    static Path resource(String name) {
        try {
            return Path.of(ForwardGoldenTest.class.getResource("/golden/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing golden fixture " + name + " (tools/golden/make_fixtures.py)", e);
        }
    }

    @TestFactory
    List<DynamicTest> forwardMatchesPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String v : VARIANTS) {
            for (String device : TestDevices.or(List.of("cpu", "reference"))) {
                tests.add(dynamicTest(v + " on " + device, () -> check(v, device)));
            }
        }
        return tests;
    }

    private void check(String variant, String device) throws Exception {
        TestDevices.require(Device.parse(device));
        Path weights = resource(variant + ".weights.safetensors");
        GoldenFile w = GoldenFile.load(weights, Device.CPU);
        Path config = dir.resolve(variant + ".json");
        Files.writeString(config, w.metadata().get("config"));
        Path out = dir.resolve(variant + "." + device + ".out.safetensors");
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"forward", "--config", config.toString(), "--weights", weights.toString(),
            "--batch", resource(variant + ".batch.safetensors").toString(), "--out", out.toString(), "--grads",
            "--device", device}, new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(0, code, err.toString());
        GoldenFile expected = GoldenFile.load(resource(variant + ".expected.safetensors"), Device.CPU);
        GoldenFile got = GoldenFile.load(out, Device.CPU);
        String name = variant + " (" + device + ")";
        assertEquals(expected.get("loss").item(), got.get("loss").item(), 1e-5 * Math.abs(expected.get("loss").item()),
                name + " loss");
        expected.assertMatches("pred", got.get("pred"), 1e-4);
        assertArrayEquals(expected.get("mask").toArray(), got.get("mask").toArray(), name + " mask");
        Map<String, Tensor> grads = expected.withPrefix("grad.");
        assertEquals(grads.keySet(), got.withPrefix("grad.").keySet(), name + " gradient keys");
        for (Map.Entry<String, Tensor> e : grads.entrySet()) {
            double scale = ParityAssert.maxAbs(e.getValue().toArray());
            ParityAssert.assertClose(name + " grad." + e.getKey(), e.getValue(), got.get("grad." + e.getKey()), 0,
                    Math.max(1e-3 * scale, 1e-7));
        }
    }
}
