package dev.jmae.crossmae.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.autograd.GradMode;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.ModelWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A checkpoint in the official training layout, written by PyTorch 1.13
 * (tools/golden/make_checkpoint_fixtures.py: a micro CrossMAE with a transposed weight, biases
 * sharing a storage, float16/bfloat16/float64 tensors), loads strictly into jmae's CrossMAE and
 * gives the same forward pass, bit for bit, as the safetensors file of the same weights.
 */
class OfficialCheckpointTest {

    @TempDir
    Path dir;

    /** The fixture comes from the tensor test-jar, so it is copied out of the jar first. */
    private Path fixture(String name) throws Exception {
        Path file = dir.resolve(name);
        try (InputStream in = OfficialCheckpointTest.class.getResourceAsStream("/io/torch/" + name)) {
            Files.copy(in, file);
        }
        return file;
    }

    private static MaskedAutoencoder load(ModelWeights.Loaded weights, ModelConfig config) {
        MaskedAutoencoder m = MaskedAutoencoder.create(config, new Generator(0), Device.CPU);
        Map<String, int[]> shapes = new LinkedHashMap<>();
        m.stateDict().forEach((k, t) -> shapes.put(k, t.shape()));
        ModelWeights.Match match = ModelWeights.match(weights.stateDict(), shapes);
        assertTrue(match.complete(),
                "missing " + match.missing() + ", unexpected " + match.unexpected() + ", mis-shaped "
                        + match.misShaped());
        assertTrue(match.setAside().isEmpty(), match.setAside().toString());
        m.loadStateDict(match.tensors(), true);
        m.eval();
        return m;
    }

    @Test
    void theOfficialLayoutLoadsStrictlyAndForwardsLikeTheSafetensorsTwin() throws Exception {
        ModelWeights.Loaded pth = ModelWeights.read(fixture("official_tiny.pth"), Device.CPU);
        ModelWeights.Loaded twin = ModelWeights.read(fixture("official_tiny.f32.safetensors"), Device.CPU);
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree((String) twin.metadata().get("config"));
        ModelConfig config = Configs.resolve(json, false).model();
        MaskedAutoencoder fromPth = load(pth, config);
        MaskedAutoencoder fromSafetensors = load(twin, config);
        Generator g = new Generator(20);
        Tensor images = Tensor.randn(g, 3, config.inChans(), config.imgSize(), config.imgSize());
        Tensor noise = Tensor.rand(g, 3, config.numPatches());
        try (GradMode.Scope s = GradMode.noGrad()) {
            MaskedAutoencoder.Output a = fromPth.forward(images, noise);
            MaskedAutoencoder.Output b = fromSafetensors.forward(images, noise);
            assertArrayEquals(b.pred().value().toArray(), a.pred().value().toArray());
            assertEquals(b.loss().value().item(), a.loss().value().item());
            assertTrue(Float.isFinite(a.loss().value().item()));
        }
    }
}
