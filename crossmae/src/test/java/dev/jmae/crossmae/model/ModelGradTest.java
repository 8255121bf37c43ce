package dev.jmae.crossmae.model;

import dev.jmae.autograd.Variable;
import dev.jmae.autograd.testing.GradCheck;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.nn.Parameter;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradient checks of the whole loss of a tiny CrossMAE (E 32, depth 2, 2 heads, Dd 16, 2 decoder
 * blocks, p 4, img 16, L 16; docs/model.md §20) and MAE with respect to every parameter group, including
 * the inter-block weight and the per-block norms, on the reference backend. Up to 6 sampled
 * elements per parameter (h 1e-2, rtol 5e-3: the loss composes many ops, see GradCheck).
 */
class ModelGradTest {

    static ModelConfig tiny(String extra) {
        String json = "{\"img_size\":16,\"patch_size\":4,\"embed_dim\":32,\"depth\":2,\"num_heads\":2,"
                + "\"decoder_embed_dim\":16,\"decoder_depth\":2,\"decoder_num_heads\":2" + extra + "}";
        try {
            return Configs.resolve(
                    (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                            .readTree(json),
                    false).model();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void check(String name, MaskedAutoencoder model) {
        // perturb norms and tokens away from their initial 1/0 so every gradient is generic
        Generator g = new Generator(5);
        for (Parameter p : model.parameters()) {
            if (p.requiresGrad()) {
                p.value().addInPlace(Tensor.randn(p.device(), g, p.shape()).mul(0.1f));
            }
        }
        Tensor images = Tensor.randn(Device.REFERENCE, new Generator(6), 2, model.config().inChans(), 16, 16);
        Tensor noise = Tensor.rand(Device.REFERENCE, new Generator(7), 2, 16);
        List<Variable> inputs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            if (e.getValue().requiresGrad()) {
                inputs.add(e.getValue());
                names.add(e.getKey());
            }
        }
        assertTrue(names.stream().anyMatch(n -> n.startsWith("wfm.") || n.startsWith("decoder_embed")),
                names.toString());
        GradCheck.of(name, v -> model.forward(images, noise).loss(), inputs.toArray(new Variable[0]))
                .maxElements(6).rtol(5e-3).run();
    }

    @Test
    void crossMaeWithInterBlockAttentionAndPerBlockNorms() {
        MaskedAutoencoder m = MaskedAutoencoder.create(tiny(",\"kept_mask_ratio\":0.5"), new Generator(1),
                Device.REFERENCE);
        assertTrue(m.namedParameters().containsKey("wfm.linear.weight"));
        assertTrue(m.namedParameters().containsKey("dec_norms.1.weight"));
        check("tiny CrossMAE", m);
    }

    @Test
    void crossMaeWithSelfAttentionAndGrayscale() {
        check("tiny CrossMAE self-attn gray", MaskedAutoencoder.create(tiny(",\"self_attn\":true,\"in_chans\":1"),
                new Generator(2), Device.REFERENCE));
    }

    @Test
    void maeBaseline() {
        check("tiny MAE", MaskedAutoencoder.create(tiny(",\"model\":\"mae\""), new Generator(3), Device.REFERENCE));
    }
}
