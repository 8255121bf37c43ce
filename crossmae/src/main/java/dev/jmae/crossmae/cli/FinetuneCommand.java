package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.FinetuneConfig.Recipe;
import picocli.CommandLine.Command;

/**
 * {@code jmae finetune}: the official fine-tuning recipe (main_finetune.py, engine_finetune.py) from
 * a CrossMAE or MAE pretraining checkpoint, or from scratch. With no config it uses the
 * Fashion-MNIST preset.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {
            "Fine-tune a ViT classifier from a pretraining checkpoint's encoder (or from scratch): layer-wise lr"
                    + " decay, drop path, RandAugment, random erasing, mixup/cutmix; top-1/top-5 on the test split every epoch.",
            "Writes config.json, metrics.jsonl, checkpoint-last/-best, loss.png and accuracy.png to a run directory."})
final class FinetuneCommand extends ClassifierTrainingCommand {

    static final String DEFAULT_CONFIG = "fashion_mnist_finetune";

    @Override
    Recipe recipe() {
        return Recipe.FINETUNE;
    }

    @Override
    String defaultConfig() {
        return DEFAULT_CONFIG;
    }
}
