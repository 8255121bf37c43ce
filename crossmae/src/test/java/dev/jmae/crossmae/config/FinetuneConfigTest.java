package dev.jmae.crossmae.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.crossmae.config.FinetuneConfig.Recipe;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fine-tuning and linear-probe keys: the official argparse defaults, the presets' published
 * recipes (MAE FINETUNE.md, CrossMAE README), the lr rule, named models, and refusals that name
 * their key.
 */
class FinetuneConfigTest {

    private static FinetuneConfig resolve(String json, Recipe recipe) throws Exception {
        return FinetuneConfig.resolve((ObjectNode) new ObjectMapper().readTree(json), recipe);
    }

    private static ConfigException refused(String json, Recipe recipe) {
        return assertThrows(ConfigException.class, () -> resolve(json, recipe));
    }

    @Test
    void anEmptyConfigHasTheOfficialArgparseDefaults() throws Exception {
        FinetuneConfig ft = resolve("{}", Recipe.FINETUNE);
        assertEquals("vit_large_patch16", ft.model());
        assertEquals(List.of(16, 1024, 24, 16), List.of(ft.patchSize(), ft.embedDim(), ft.depth(), ft.numHeads()));
        assertEquals(List.of(64, 50, 1, 224, 1000),
                List.of(ft.batchSize(), ft.epochs(), ft.accumIter(), ft.inputSize(), ft.nbClasses()));
        assertEquals(List.of(0.1, 0.05, 1e-3, 0.75, 1e-6, 5.0, 0.1, 0.25, 0.0, 0.0, 1.0, 0.5),
                List.of(ft.dropPath(), ft.weightDecay(),
                        ft.blr(), ft.layerDecay(), ft.minLr(), ft.warmupEpochs(), ft.smoothing(), ft.reprob(),
                        ft.mixup(), ft.cutmix(),
                        ft.mixupProb(), ft.mixupSwitchProb()));
        assertEquals("rand-m9-mstd0.5-inc1", ft.aa());
        assertEquals(List.of(0.08, 1.0), ft.cropScale(),
                "timm's RandomResizedCrop scale, which the official script fixes");
        assertEquals("pixel", ft.remode());
        assertTrue(ft.globalPool() && Double.isNaN(ft.clipGrad()) && Double.isNaN(ft.lr())
                && Double.isNaN(ft.colorJitter()));
        assertEquals(List.of(0.9, 0.999), ft.optBetas(),
                "torch.optim.AdamW's default betas (main_finetune.py passes none)");

        FinetuneConfig lp = resolve("{}", Recipe.LINPROBE);
        assertEquals(List.of(512, 90), List.of(lp.batchSize(), lp.epochs()));
        assertEquals(List.of(0.1, 0.0, 0.0, 10.0), List.of(lp.blr(), lp.weightDecay(), lp.minLr(), lp.warmupEpochs()));
        assertTrue(!lp.globalPool(), "main_linprobe.py: global_pool defaults to false (cls token)");
        assertEquals(List.of(0.0, 0.0, 0.0, 0.0, 1.0),
                List.of(lp.mixup(), lp.cutmix(), lp.reprob(), lp.dropPath(), lp.layerDecay()));
    }

    @Test
    void thePresetsSpellOutThePublishedRecipes() {
        FinetuneConfig b = FinetuneConfig.resolve(Configs.source("finetune_vit_base_patch16"), Recipe.FINETUNE);
        assertEquals(List.of(5e-4, 0.65, 0.1, 0.05, 0.25, 0.8, 1.0),
                List.of(b.blr(), b.layerDecay(), b.dropPath(), b.weightDecay(),
                        b.reprob(), b.mixup(), b.cutmix()));
        assertEquals(100, b.epochs());
        assertEquals(1024, b.effectiveBatch());
        assertEquals(5e-4 * 1024 / 256, b.peakLr(), 1e-15, "lr = blr * effective batch / 256");
        FinetuneConfig l = FinetuneConfig.resolve(Configs.source("finetune_vit_large_patch16"), Recipe.FINETUNE);
        assertEquals(List.of(1e-3, 0.75, 0.2), List.of(l.blr(), l.layerDecay(), l.dropPath()));
        assertEquals(List.of(50, 1024), List.of(l.epochs(), l.effectiveBatch()));
        FinetuneConfig h = FinetuneConfig.resolve(Configs.source("finetune_vit_huge_patch14"), Recipe.FINETUNE);
        assertEquals(List.of(1e-3, 0.75, 0.3), List.of(h.blr(), h.layerDecay(), h.dropPath()));
        assertEquals(List.of(50, 1024, 14, 32), List.of(h.epochs(), h.effectiveBatch(), h.patchSize(), h.depth()));
        FinetuneConfig s = FinetuneConfig.resolve(Configs.source("finetune_vit_small_patch16"), Recipe.FINETUNE);
        assertEquals(List.of(5e-4, 0.65, 0.1), List.of(s.blr(), s.layerDecay(), s.dropPath()));
        assertEquals(List.of(100, 1024, 384), List.of(s.epochs(), s.effectiveBatch(), s.embedDim()));
        FinetuneConfig p = FinetuneConfig.resolve(Configs.source("linprobe_vit_base_patch16"), Recipe.LINPROBE);
        assertEquals(List.of(16384, 90), List.of(p.effectiveBatch(), p.epochs()));
        assertEquals(0.1 * 16384 / 256, p.peakLr(), 1e-12);
        assertTrue(!p.globalPool(), "MAE's published probe command passes --cls_token");
        FinetuneConfig f = FinetuneConfig.resolve(Configs.source("fashion_mnist_finetune"), Recipe.FINETUNE);
        assertEquals(List.of(28, 7, 1, 192, 6, 3, 10),
                List.of(f.inputSize(), f.patchSize(), f.inChans(), f.embedDim(), f.depth(),
                        f.numHeads(), f.nbClasses()),
                "the encoder of fashion_mnist_crossmae / fashion_mnist_mae");
        for (String pretrain : new String[] {"fashion_mnist_crossmae", "fashion_mnist_mae"}) {
            ModelConfig m = Configs.resolve(Configs.source(pretrain), true).model();
            for (FinetuneConfig c : List.of(f,
                    FinetuneConfig.resolve(Configs.source("fashion_mnist_linprobe"), Recipe.LINPROBE))) {
                assertEquals(List.of(m.imgSize(), m.patchSize(), m.inChans(), m.embedDim(), m.depth(), m.numHeads()),
                        List.of(c.inputSize(), c.patchSize(), c.inChans(), c.embedDim(), c.depth(), c.numHeads()),
                        "a checkpoint of the default " + pretrain
                                + " run loads into the Fashion-MNIST fine-tuning and probe presets");
            }
        }
        FinetuneConfig fp = FinetuneConfig.resolve(Configs.source("fashion_mnist_linprobe"), Recipe.LINPROBE);
        assertTrue(fp.globalPool(), "global pooling works for CrossMAE and MAE checkpoints alike");
    }

    @Test
    void theResolvedConfigReadsBackToItself() throws Exception {
        for (Recipe r : Recipe.values()) {
            FinetuneConfig c = resolve("{\"model\":\"vit_base_patch16\",\"clip_grad\":1.0,\"blr\":5e-4}".replace(
                    r == Recipe.LINPROBE ? ",\"clip_grad\":1.0" : "", ""), r);
            assertEquals(c, FinetuneConfig.resolve(c.toJson(), r), r.command());
            assertTrue(c.toJson().get("lr").isNull(), "unset values are spelled out as null");
        }
    }

    @Test
    void mistakesAreRefusedNamingTheirKey() {
        ConfigException probeFlag = refused("{\"mixup\": 0.8}", Recipe.LINPROBE);
        assertEquals("mixup", probeFlag.key());
        assertTrue(probeFlag.getMessage().contains("a main_finetune.py flag"), probeFlag.getMessage());
        assertEquals("learning_rate", refused("{\"learning_rate\": 0.1}", Recipe.FINETUNE).key());
        ConfigException named = refused("{\"model\": \"vit_base_patch16\", \"embed_dim\": 512}", Recipe.FINETUNE);
        assertEquals("embed_dim", named.key());
        assertTrue(named.getMessage().contains("vit_base_patch16 has embed_dim 768"), named.getMessage());
        assertEquals("model", refused("{\"model\": \"vit_giant_patch14\"}", Recipe.FINETUNE).key());
        assertEquals("cutmix_minmax", refused("{\"cutmix_minmax\": [0.4, 0.8]}", Recipe.FINETUNE).key());
        assertEquals("mixup_mode", refused("{\"mixup_mode\": \"elem\"}", Recipe.FINETUNE).key());
        assertEquals("batch_size", refused("{\"mixup\": 0.8, \"batch_size\": 7}", Recipe.FINETUNE).key());
        assertEquals("color_jitter", refused("{\"aa\": \"\", \"color_jitter\": 0.4}", Recipe.FINETUNE).key());
        assertEquals("layer_decay", refused("{\"layer_decay\": 0}", Recipe.FINETUNE).key());
        assertEquals("input_size",
                refused("{\"input_size\": 30, \"model\": \"vit\", \"patch_size\": 4}", Recipe.FINETUNE).key());
        assertEquals("mean",
                refused("{\"in_chans\": 1, \"mean\": [0.1, 0.2, 0.3], \"std\": [0.5]}", Recipe.FINETUNE).key());
        assertEquals("nb_classes", refused("{\"nb_classes\": 0}", Recipe.LINPROBE).key());
        assertEquals("crop_scale", refused("{\"crop_scale\": [0.5, 0.2]}", Recipe.LINPROBE).key());
    }
}
