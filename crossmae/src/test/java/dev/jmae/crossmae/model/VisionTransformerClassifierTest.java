package dev.jmae.crossmae.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.crossmae.config.FinetuneConfig;
import dev.jmae.crossmae.config.FinetuneConfig.Recipe;
import dev.jmae.nn.Block;
import dev.jmae.nn.Parameter;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fine-tuning classifier: timm's state-dict keys and shapes (so a jmae fine-tuned checkpoint
 * loads into models_vit with strict=True), the linear probe's head and frozen encoder, drop path
 * linear in depth, the head initializations, and drop-path draws that a seed fixes.
 */
class VisionTransformerClassifierTest {

    static FinetuneConfig config(Recipe recipe, String extra) throws Exception {
        String json = "{\"model\":\"vit\",\"input_size\":16,\"patch_size\":4,\"in_chans\":3,\"embed_dim\":32,\"depth\":3,"
                + "\"num_heads\":2,\"nb_classes\":100" + (extra.isEmpty() ? "" : "," + extra) + "}";
        return FinetuneConfig.resolve((ObjectNode) new ObjectMapper().readTree(json), recipe);
    }

    private static Map<String, List<Integer>> shapes(VisionTransformerClassifier m) {
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        m.stateDict().forEach((k, t) -> out.put(k, Arrays.stream(t.shape()).boxed().toList()));
        return out;
    }

    private static Map<String, List<Integer>> timmKeys(boolean globalPool, boolean probe) {
        Map<String, List<Integer>> k = new LinkedHashMap<>();
        k.put("cls_token", List.of(1, 1, 32));
        k.put("pos_embed", List.of(1, 17, 32));
        k.put("patch_embed.proj.weight", List.of(32, 3, 4, 4));
        k.put("patch_embed.proj.bias", List.of(32));
        for (int i = 0; i < 3; i++) {
            String b = "blocks." + i + ".";
            k.put(b + "norm1.weight", List.of(32));
            k.put(b + "norm1.bias", List.of(32));
            k.put(b + "attn.qkv.weight", List.of(96, 32));
            k.put(b + "attn.qkv.bias", List.of(96));
            k.put(b + "attn.proj.weight", List.of(32, 32));
            k.put(b + "attn.proj.bias", List.of(32));
            k.put(b + "norm2.weight", List.of(32));
            k.put(b + "norm2.bias", List.of(32));
            k.put(b + "mlp.fc1.weight", List.of(128, 32));
            k.put(b + "mlp.fc1.bias", List.of(128));
            k.put(b + "mlp.fc2.weight", List.of(32, 128));
            k.put(b + "mlp.fc2.bias", List.of(32));
        }
        String norm = globalPool ? "fc_norm" : "norm";
        k.put(norm + ".weight", List.of(32));
        k.put(norm + ".bias", List.of(32));
        if (probe) {
            k.put("head.0.running_mean", List.of(32));
            k.put("head.0.running_var", List.of(32));
            k.put("head.0.num_batches_tracked", List.of());
            k.put("head.1.weight", List.of(100, 32));
            k.put("head.1.bias", List.of(100));
        } else {
            k.put("head.weight", List.of(100, 32));
            k.put("head.bias", List.of(100));
        }
        return k;
    }

    @Test
    void theStateDictHasTimmsKeysAndShapes() throws Exception {
        assertEquals(timmKeys(true, false),
                shapes(new VisionTransformerClassifier(config(Recipe.FINETUNE, ""), new Generator(1),
                        Device.CPU)));
        assertEquals(timmKeys(false, false), shapes(new VisionTransformerClassifier(config(Recipe.FINETUNE,
                "\"global_pool\":false"), new Generator(1), Device.CPU)));
        assertEquals(timmKeys(true, true),
                shapes(new VisionTransformerClassifier(config(Recipe.LINPROBE, "\"global_pool\":true"),
                        new Generator(1), Device.CPU)));
    }

    @Test
    void theLinearProbeTrainsOnlyItsHead() throws Exception {
        VisionTransformerClassifier m = new VisionTransformerClassifier(config(Recipe.LINPROBE, ""), new Generator(1),
                Device.CPU);
        List<String> trainable = new ArrayList<>();
        m.namedParameters().forEach((k, p) -> {
            if (p.requiresGrad()) {
                trainable.add(k);
            }
        });
        assertEquals(List.of("head.1.weight", "head.1.bias"), trainable);
        assertTrue(m.stateDict().containsKey("norm.weight"),
                "main_linprobe.py's default pooling is the cls token after norm");
    }

    @Test
    void dropPathRisesLinearlyOverTheBlocks() throws Exception {
        VisionTransformerClassifier m = new VisionTransformerClassifier(config(Recipe.FINETUNE, "\"drop_path\":0.2"),
                new Generator(1), Device.CPU);
        float[] rates = new float[3];
        int i = 0;
        for (Block b : m.blocks()) {
            rates[i++] = b.dropPath() == null ? 0f : b.dropPath().p();
        }
        assertArrayEquals(new float[] {0f, 0.1f, 0.2f}, rates, 1e-7f, "torch.linspace(0, 0.2, 3)");
        assertEquals(0f, VisionTransformerClassifier.dropPathRate(0.3, 0, 1), "a single block gets 0");
        assertNull(new VisionTransformerClassifier(config(Recipe.LINPROBE, ""), new Generator(1), Device.CPU).blocks()
                .get(2)
                .dropPath(), "the linear probe has no drop path");
    }

    private static double std(Tensor t) {
        float[] v = t.toArray();
        double s = 0;
        double ss = 0;
        for (float x : v) {
            s += x;
            ss += (double) x * x;
        }
        double mean = s / v.length;
        return Math.sqrt(ss / v.length - mean * mean);
    }

    @Test
    void theHeadsStartAtTheOfficialScales() throws Exception {
        // 3,200 draws: the sample std is within about 2.5% of the true one (1/sqrt(2n))
        VisionTransformerClassifier ft = new VisionTransformerClassifier(config(Recipe.FINETUNE, ""), new Generator(2),
                Device.CPU);
        assertEquals(0.02, std(ft.headLinear().weight().value()), 0.002, "timm's trunc_normal_(std=.02) from scratch");
        ft.initHead(2e-5, new Generator(3));
        assertEquals(2e-5, std(ft.headLinear().weight().value()), 2e-6, "main_finetune.py's trunc_normal_(std=2e-5)");
        assertEquals(0f, ft.headLinear().bias().value().abs().sum().item());
        VisionTransformerClassifier lp = new VisionTransformerClassifier(config(Recipe.LINPROBE, ""), new Generator(2),
                Device.CPU);
        assertEquals(0.01, std(lp.headLinear().weight().value()), 0.001, "main_linprobe.py's trunc_normal_(std=0.01)");
        assertEquals(1e-6, std(ft.namedParameters().get("cls_token").value()), 5e-7,
                "timm 0.9.7: normal_(cls_token, std=1e-6)");
    }

    @Test
    void aSeedFixesTheDropPathDrawsAndEvalModeHasNone() throws Exception {
        VisionTransformerClassifier m = new VisionTransformerClassifier(config(Recipe.FINETUNE, "\"drop_path\":0.5"),
                new Generator(1), Device.CPU);
        m.initHead(0.02, new Generator(9));
        Tensor x = Tensor.randn(new Generator(4), 8, 3, 16, 16);
        m.train();
        m.reseedDropPath(11);
        float[] a = m.forward(x).value().toArray();
        m.reseedDropPath(11);
        float[] b = m.forward(x).value().toArray();
        m.reseedDropPath(12);
        float[] c = m.forward(x).value().toArray();
        assertArrayEquals(a, b, "the same seed drops the same paths");
        assertFalse(Arrays.equals(a, c), "another seed drops others");
        m.eval();
        float[] e1 = m.forward(x).value().toArray();
        m.reseedDropPath(12);
        assertArrayEquals(e1, m.forward(x).value().toArray(), "no drop path in eval mode");
        assertEquals(8 * 100, e1.length, "logits [N, K]");
        for (Parameter p : m.parameters()) {
            assertTrue(p.requiresGrad(), "fine-tuning trains everything, pos_embed included");
        }
    }
}
