package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.crossmae.model.MaskedAutoencoder;
import dev.jmae.crossmae.model.ModelInfo;
import dev.jmae.nn.Parameter;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jmae info} reproduces the parameter counts of docs/model.md §14 for every preset. */
class InfoCommandTest {

    static String info(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] full = new String[args.length + 1];
        full[0] = "info";
        System.arraycopy(args, 0, full, 1, args.length);
        int code = Main.run(full, new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, code, err.toString());
        return out.toString();
    }

    /** The docs/model.md §14 table: encoder, decoder and total trainable parameters. */
    static final Map<String, long[]> SPEC = Map.of(
            "mae_vit_small_patch16", new long[] {21_589_248, 6_614_784, 28_204_800},
            "mae_vit_base_patch16", new long[] {85_645_824, 26_008_320, 111_655_680},
            "mae_vit_large_patch16", new long[] {303_097_856, 26_139_392, 329_239_296},
            "mae_vit_huge_patch14", new long[] {630_433_280, 26_178_124, 656_613_964},
            "crossmae_vit_small_patch16", new long[] {21_589_248, 10_471_068, 32_060_316},
            "crossmae_vit_base_patch16", new long[] {85_645_824, 41_388_444, 127_034_268},
            "crossmae_vit_large_patch16", new long[] {303_097_856, 44_540_460, 347_638_316},
            "crossmae_vit_huge_patch14", new long[] {630_433_280, 47_600_088, 678_033_368});

    @Test
    void infoPrintsTheSpecParameterCountsForEveryPreset() {
        Pattern p = Pattern.compile("trainable parameters: encoder ([\\d,]+)\\s+decoder ([\\d,]+)\\s+total ([\\d,]+)");
        for (Map.Entry<String, long[]> e : SPEC.entrySet()) {
            String text = info("--config", e.getKey());
            Matcher m = p.matcher(text);
            assertTrue(m.find(), text);
            long[] want = e.getValue();
            for (int i = 0; i < 3; i++) {
                assertEquals(want[i], Long.parseLong(m.group(i + 1).replace(",", "")),
                        e.getKey() + " column " + i + ": " + text);
            }
        }
    }

    @Test
    void crossMaeDecoderIsSeveralTimesCheaperThanMae() {
        // ViT-B: MAE decoder depth 8 over 197 tokens vs CrossMAE depth 12 over 49 or 147 queries
        Pattern p = Pattern.compile("decoder FLOPs MAE/CrossMAE = ([\\d.]+)x");
        Matcher quarter = p.matcher(info("--config", "crossmae_vit_base_patch16", "--set", "kept_mask_ratio=0.25"));
        Matcher threeQuarters = p
                .matcher(info("--config", "crossmae_vit_base_patch16", "--set", "kept_mask_ratio=0.75"));
        assertTrue(quarter.find() && threeQuarters.find());
        double q = Double.parseDouble(quarter.group(1));
        double t = Double.parseDouble(threeQuarters.group(1));
        assertTrue(q > t && t > 1, "ratios " + q + " (gamma 0.25) and " + t + " (gamma 0.75)");
    }

    @Test
    void theFormulaMatchesConstructedModels() {
        String[] tiny = {
            "{\"model\":\"crossmae\",\"img_size\":16,\"patch_size\":4,\"embed_dim\":32,\"depth\":3,\"num_heads\":2,"
                    + "\"decoder_embed_dim\":16,\"decoder_depth\":2,\"decoder_num_heads\":2,\"kept_mask_ratio\":0.25}",
            "{\"model\":\"crossmae\",\"img_size\":16,\"patch_size\":4,\"in_chans\":1,\"embed_dim\":32,\"depth\":3,\"num_heads\":2,"
                    + "\"decoder_embed_dim\":16,\"decoder_depth\":2,\"decoder_num_heads\":2,\"self_attn\":true}",
            "{\"model\":\"crossmae\",\"img_size\":16,\"patch_size\":4,\"embed_dim\":32,\"depth\":3,\"num_heads\":2,"
                    + "\"decoder_embed_dim\":16,\"decoder_depth\":2,\"decoder_num_heads\":2,\"weight_fm\":false}",
            "{\"model\":\"mae\",\"img_size\":16,\"patch_size\":4,\"embed_dim\":32,\"depth\":3,\"num_heads\":2,"
                    + "\"decoder_embed_dim\":16,\"decoder_depth\":2,\"decoder_num_heads\":2}",
            "crossmae_vit_small_patch16"};
        for (String source : tiny) {
            var json = source.startsWith("{") ? parse(source) : Configs.source(source);
            ModelConfig c = Configs.resolve(json, false).model();
            MaskedAutoencoder m = MaskedAutoencoder.create(c, new Generator(0), Device.CPU);
            ModelInfo info = ModelInfo.of(c);
            assertEquals(m.trainableParameterCount(), info.totalParams(), source);
            long encoder = 0;
            for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
                String k = e.getKey();
                if (k.equals("cls_token") || k.startsWith("patch_embed.") || k.startsWith("blocks.")) {
                    encoder += e.getValue().numel();
                }
            }
            assertEquals(encoder, info.encoderParams(), source);
        }
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode parse(String json) {
        try {
            return (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
