package dev.jmae.crossmae.model;

import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.crossmae.config.FinetuneConfig;
import dev.jmae.crossmae.config.FinetuneConfig.Recipe;
import dev.jmae.crossmae.train.TinyRuns;
import dev.jmae.nn.Checkpoint;
import dev.jmae.nn.CheckpointException;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loading a pretraining checkpoint's encoder into the classifier: which keys are loaded, ignored
 * and new (the official missing-key assertion), pos_embed resized when the grid differs, and clear
 * refusals for a wrong size, a missing norm and missing keys.
 */
class PretrainedEncoderTest {

    @TempDir
    Path dir;

    private FinetuneConfig config(Path data, Recipe recipe, String extra) {
        return TinyRuns.finetuneConfig(data, recipe, extra);
    }

    @Test
    void aCrossMaeEncoderLoadsWithANewHeadAndFcNorm() throws Exception {
        Path data = TinyRuns.dataset(dir);
        Path ckpt = TinyRuns.pretrainCheckpoint(dir, data, "crossmae");
        VisionTransformerClassifier m = new VisionTransformerClassifier(config(data, Recipe.FINETUNE, ""),
                new Generator(1), Device.CPU);
        PretrainedEncoder.Loaded r = PretrainedEncoder.load(ckpt, m, new Generator(2));
        assertEquals(List.of("fc_norm.weight", "fc_norm.bias", "head.weight", "head.bias"), r.fresh());
        assertEquals("crossmae", r.pretrainingModel());
        Map<String, Tensor> pre = Checkpoint.read(ckpt).model();
        Map<String, Tensor> own = m.stateDict();
        for (String k : r.loaded()) {
            assertArrayEquals(pre.get(k).toArray(), own.get(k).toArray(), k);
        }
        assertEquals(2 + 2 + 2 * 12, r.loaded().size(), "cls_token, pos_embed, patch_embed (2), 2 blocks of 12");
        assertTrue(r.ignored().contains("mask_token") && r.ignored().contains("decoder_pred.weight")
                && r.ignored().contains("wfm.linear.weight"), r.ignored().toString());
        assertEquals(4, r.fromGrid());
        assertEquals(4, r.toGrid());
        assertTrue(Math.abs(m.headLinear().weight().value().abs().max().item()) < 2e-4, "head re-drawn with std 2e-5");
    }

    @Test
    void anMaeEncoderKeepsItsNormForTheClsTokenProbe() throws Exception {
        Path data = TinyRuns.dataset(dir);
        Path ckpt = TinyRuns.pretrainCheckpoint(dir, data, "mae");
        VisionTransformerClassifier m = new VisionTransformerClassifier(
                config(data, Recipe.LINPROBE, "\"global_pool\":false"),
                new Generator(1), Device.CPU);
        PretrainedEncoder.Loaded r = PretrainedEncoder.load(ckpt, m, new Generator(2));
        assertTrue(r.loaded().contains("norm.weight") && r.loaded().contains("norm.bias"), r.loaded().toString());
        assertEquals(List.of("head.0.running_mean", "head.0.running_var", "head.0.num_batches_tracked", "head.1.weight",
                "head.1.bias"), r.fresh());
    }

    @Test
    void theClsTokenHeadOfACrossMaeCheckpointIsRefusedWithAHint() throws Exception {
        Path data = TinyRuns.dataset(dir);
        Path ckpt = TinyRuns.pretrainCheckpoint(dir, data, "crossmae");
        ConfigException e = assertThrows(ConfigException.class, () -> PretrainedEncoder.checkFits(ckpt,
                config(data, Recipe.LINPROBE, "\"global_pool\":false")));
        assertEquals("global_pool", e.key());
        assertTrue(e.getMessage().contains("has no norm.*") && e.getMessage().contains("hint: --set global_pool=true"),
                e.getMessage());
    }

    @Test
    void anotherImageSizeResizesThePositionalTable() throws Exception {
        Path data = TinyRuns.dataset(dir);
        Path ckpt = TinyRuns.pretrainCheckpoint(dir, data, "crossmae");
        VisionTransformerClassifier m = new VisionTransformerClassifier(
                config(data, Recipe.FINETUNE, "\"input_size\":24"),
                new Generator(1), Device.CPU);
        PretrainedEncoder.Loaded r = PretrainedEncoder.load(ckpt, m, new Generator(2));
        assertEquals(4, r.fromGrid());
        assertEquals(6, r.toGrid());
        float[] pre = Checkpoint.read(ckpt).model().get("pos_embed").toArray();
        assertArrayEquals(PosEmbed.resize(pre, 32, 4, 6), m.posEmbed().value().toArray());
        assertEquals(37 * 32, m.posEmbed().numel());
    }

    @Test
    void anEncoderOfAnotherSizeIsRefusedNamingBothSizes() throws Exception {
        Path data = TinyRuns.dataset(dir);
        Path ckpt = TinyRuns.pretrainCheckpoint(dir, data, "crossmae");
        ConfigException e = assertThrows(ConfigException.class, () -> PretrainedEncoder.checkFits(ckpt,
                config(data, Recipe.FINETUNE, "\"embed_dim\":48,\"depth\":3")));
        assertEquals("model", e.key());
        assertTrue(e.getMessage().contains("embed_dim 32, depth 2, num_heads 2, patch_size 4")
                && e.getMessage().contains("embed_dim 48, depth 3") && e.getMessage().contains("hint"), e.getMessage());
    }

    @Test
    void missingEncoderKeysAreListed() throws Exception {
        Path data = TinyRuns.dataset(dir);
        Path ckpt = TinyRuns.pretrainCheckpoint(dir, data, "crossmae");
        Map<String, Tensor> sd = new LinkedHashMap<>(Safetensors.read(ckpt));
        sd.remove("blocks.1.attn.proj.weight");
        sd.remove("patch_embed.proj.bias");
        Path bad = dir.resolve("bad.safetensors");
        try (var f = Safetensors.open(ckpt)) {
            Safetensors.write(bad, sd, f.metadata());
        }
        VisionTransformerClassifier m = new VisionTransformerClassifier(config(data, Recipe.FINETUNE, ""),
                new Generator(1), Device.CPU);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> PretrainedEncoder.load(bad, m, new Generator(2)));
        assertEquals(List.of("patch_embed.proj.bias", "blocks.1.attn.proj.weight"), e.missing());
    }
}
