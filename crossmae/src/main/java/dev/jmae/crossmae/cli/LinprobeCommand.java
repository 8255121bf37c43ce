package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.FinetuneConfig.Recipe;
import picocli.CommandLine.Command;

/**
 * {@code jmae linprobe}: the official linear probe (main_linprobe.py): frozen encoder,
 * BatchNorm1d(affine=False) + linear head, LARS. With no config it uses the Fashion-MNIST preset.
 * {@code jmae probe} keeps the quick k-NN and linear evaluation on precomputed features.
 */
@Command(name = "linprobe", mixinStandardHelpOptions = true,
        description = {
            "Linear probe of a pretraining checkpoint's frozen encoder (or a random one with --from-scratch):"
                    + " BatchNorm + linear head trained with LARS; top-1/top-5 on the test split every epoch.",
            "Writes config.json, metrics.jsonl, checkpoint-last/-best, loss.png and accuracy.png to a run directory."})
final class LinprobeCommand extends ClassifierTrainingCommand {

    static final String DEFAULT_CONFIG = "fashion_mnist_linprobe";

    @Override
    Recipe recipe() {
        return Recipe.LINPROBE;
    }

    @Override
    String defaultConfig() {
        return DEFAULT_CONFIG;
    }
}
