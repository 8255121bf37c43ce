package dev.jmae.crossmae.model;

import dev.jmae.crossmae.config.FinetuneConfig;
import dev.jmae.crossmae.config.FinetuneConfig.Recipe;
import dev.jmae.nn.Checkpoint;
import dev.jmae.nn.optim.AdamW;
import dev.jmae.nn.optim.LayerDecay;
import dev.jmae.nn.testing.PyTorch;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A classifier checkpoint as jmae finetune and jmae linprobe write it (model, optimizer state,
 * config metadata) loads into the PyTorch classifier of tools/golden (models_vit's
 * VisionTransformer as timm 0.9.7 runs it) with strict=True, and gives the same logits within
 * 1e-5 (tools/golden/check_classifier.py): global pooling with a Linear head, and the cls token
 * after norm with the probe's BatchNorm1d + Linear head (running statistics moved by training-mode
 * batches).
 */
class ClassifierCheckpointPyTorchTest {

    @TempDir
    Path dir;

    @Test
    void fineTuningAndProbeCheckpointsLoadIntoPyTorchWithTheSameLogits() throws Exception {
        PyTorch.require();
        List<String> args = new ArrayList<>();
        List<String> ios = new ArrayList<>();
        for (Recipe recipe : Recipe.values()) {
            FinetuneConfig c = VisionTransformerClassifierTest.config(recipe,
                    recipe == Recipe.LINPROBE ? "" : "\"drop_path\":0.1");
            VisionTransformerClassifier m = new VisionTransformerClassifier(c, new Generator(5), Device.CPU);
            m.initHead(0.05, new Generator(6));
            Tensor images = Tensor.randn(new Generator(7), 4, 3, 16, 16);
            m.train();
            m.forward(Tensor.randn(new Generator(8), 6, 3, 16, 16).mul(2f).add(0.5f));
            m.eval();
            Tensor logits = m.forward(images).value();
            Path ckpt = dir.resolve(recipe.command() + ".safetensors");
            AdamW opt = new AdamW(LayerDecay.paramGroupsLrd(m, c.depth(), 1e-3, 0.05, LayerDecay.VIT_NO_WEIGHT_DECAY,
                    c.layerDecay()), 0.9, 0.999, 1e-8);
            Checkpoint.save(ckpt, m, opt, Map.of("config", c.toJson().toString()));
            Path io = dir.resolve(recipe.command() + ".io.safetensors");
            Safetensors.write(io, Map.of("images", images, "logits", logits), Map.of());
            args.add(ckpt.toString());
            ios.addAll(List.of("--io", io.toString()));
        }
        args.addAll(ios);
        args.addAll(List.of("--atol", "1e-5", "-v"));
        PyTorch.Result r = PyTorch.script("check_classifier.py", args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.output());
        assertEquals(2, r.output().split("OK: ", -1).length - 1, r.output());
    }
}
