package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad configs and weights are refused with a message naming the field or every key problem. */
class BadInputTest {

    @TempDir
    Path dir;

    private static ConfigException refused(String json) {
        return assertThrows(ConfigException.class, () -> Configs.resolve(
                (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(json),
                false));
    }

    @Test
    void predictionRatioAboveMaskRatioIsRefused() {
        ConfigException e = refused("{\"mask_ratio\": 0.5, \"kept_mask_ratio\": 0.75}");
        assertEquals("kept_mask_ratio", e.key());
        assertTrue(e.getMessage().contains("must not exceed mask_ratio (0.5)"), e.getMessage());
    }

    @Test
    void aDecoderThatUseFmCannotFeedIsRefused() {
        ConfigException none = refused("{\"use_fm\": [], \"use_input\": false}");
        assertEquals("use_fm", none.key());
        assertTrue(none.getMessage().contains("decoder blocks would have nothing to attend to"), none.getMessage());
        ConfigException outOfRange = refused("{\"depth\": 12, \"use_fm\": [3, 12]}");
        assertTrue(outOfRange.getMessage().contains("block index 12 is outside [-12, 12)"), outOfRange.getMessage());
        ConfigException notLast = refused("{\"depth\": 12, \"use_fm\": [3, 5]}");
        assertTrue(notLast.getMessage().contains("must include the last encoder block"), notLast.getMessage());
    }

    @Test
    void anImageSizeNotDivisibleByThePatchSizeIsRefused() {
        ConfigException e = refused("{\"img_size\": 30, \"patch_size\": 4}");
        assertEquals("img_size", e.key());
        assertTrue(e.getMessage().contains("divisible by patch_size (4)") && e.getMessage().contains("hint"),
                e.getMessage());
    }

    @Test
    void otherConfigMistakesNameTheirKey() {
        assertEquals("embed_dim", refused("{\"embed_dim\": \"wide\"}").key());
        assertEquals("learning_rate", refused("{\"learning_rate\": 0.1}").key());
        assertEquals("weight_fm", refused("{\"model\": \"mae\", \"weight_fm\": true}").key());
        assertEquals("model", refused("{\"model\": \"vit\"}").key());
    }

    @Test
    void weightsWithMissingAndExtraKeysAreRefusedListingEveryProblem() throws Exception {
        Path weights = ForwardGoldenTest.resource("crossmae_kmr025.weights.safetensors");
        Map<String, Tensor> sd = new LinkedHashMap<>(Safetensors.read(weights));
        String config = Safetensors.open(weights).metadata().get("config");
        sd.remove("decoder_norm.weight");
        sd.remove("wfm.linear.weight");
        sd.put("norm.weight", Tensor.zeros(32));
        sd.put("head.bias", Tensor.zeros(10));
        sd.put("blocks.7.attn.qkv.weight", Tensor.zeros(2, 2));
        Path bad = dir.resolve("bad.safetensors");
        Safetensors.write(bad, sd, Map.of());
        Path cfg = dir.resolve("c.json");
        Files.writeString(cfg, config);
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"forward", "--config", cfg.toString(), "--weights", bad.toString(), "--batch",
            ForwardGoldenTest.resource("crossmae_kmr025.batch.safetensors").toString(), "--out",
            dir.resolve("o.safetensors").toString()}, new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(2, code);
        String msg = err.toString();
        assertTrue(msg.contains(bad.toString()), msg);
        for (String k : new String[] {"decoder_norm.weight", "wfm.linear.weight", "norm.weight", "head.bias",
            "blocks.7.attn.qkv.weight"}) {
            assertTrue(msg.contains(k), k + " missing from: " + msg);
        }
        // a fine-tuned head and MAE's final norm are set aside with their reason, not "unexpected"
        assertTrue(msg.contains("missing keys (2)") && msg.contains("unexpected keys (1)"), msg);
        assertTrue(msg.contains("set aside 1 key(s), a fine-tuned classifier's head")
                && msg.contains("set aside 1 key(s), the"
                        + " encoder's final norm"),
                msg);
    }
}
