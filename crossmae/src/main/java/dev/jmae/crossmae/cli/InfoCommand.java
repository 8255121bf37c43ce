package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.crossmae.model.ModelInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code jmae info}: trainable parameter counts and forward FLOPs per image of a config, and for
 * CrossMAE the decoder-FLOPs ratio against the MAE decoder of the same encoder (decoder depth 8,
 * same width and heads, docs/model.md §14).
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print trainable parameter counts and forward FLOPs per image of a model config.")
final class InfoCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "CONFIG",
            description = "A JSON config file or a preset name (e.g. crossmae_vit_base_patch16).")
    String config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key (repeatable).")
    Map<String, String> overrides = Map.of();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ModelConfig c = Configs.resolve(Configs.override(Configs.source(config), overrides), false).model();
        ModelInfo info = ModelInfo.of(c);
        out.printf(Locale.ROOT, "config: %s (model %s, img %d, patch %d, D %d, depth %d, decoder %d x %d wide)%n",
                config,
                c.model(), c.imgSize(), c.patchSize(), c.embedDim(), c.depth(), c.decoderDepth(), c.decoderEmbedDim());
        out.printf(Locale.ROOT,
                "tokens: L %d patches, K %d visible, M %d predicted (mask_ratio %.2f, kept_mask_ratio %.2f)%n",
                c.numPatches(), c.lenKeep(), c.numPredicted(), c.maskRatio(), c.keptMaskRatio());
        out.printf(Locale.ROOT, "trainable parameters: encoder %,d  decoder %,d  total %,d%s%n", info.encoderParams(),
                info.decoderParams(), info.totalParams(),
                info.finalNormParams() > 0
                        ? "  (total includes the encoder's final norm, " + info.finalNormParams() + ")" : "");
        out.printf(Locale.ROOT, "forward FLOPs per image: encoder %.3f G  decoder %.3f G  total %.3f G%n",
                info.encoderFlops() / 1e9, info.decoderFlops() / 1e9, info.totalFlops() / 1e9);
        if (c.isCrossMae()) {
            ModelConfig mae = new ModelConfig("mae", c.imgSize(), c.patchSize(), c.inChans(), c.embedDim(), c.depth(),
                    c.numHeads(), c.mlpRatio(), c.normEps(), c.decoderEmbedDim(), 8, c.decoderNumHeads(), c.maskRatio(),
                    c.maskRatio(), false, List.of(), false, false, c.normPixLoss());
            ModelInfo m = ModelInfo.of(mae);
            out.printf(Locale.ROOT,
                    "MAE decoder of the same encoder (depth 8): %.3f G per image; decoder FLOPs MAE/CrossMAE = %.2fx%n",
                    m.decoderFlops() / 1e9, (double) m.decoderFlops() / info.decoderFlops());
        }
        return 0;
    }
}
