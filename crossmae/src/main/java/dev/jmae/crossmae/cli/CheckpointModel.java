package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.TrainConfig;
import dev.jmae.crossmae.data.Datasets;
import dev.jmae.crossmae.data.ImageDataset;
import dev.jmae.crossmae.data.Split;
import dev.jmae.crossmae.model.MaskedAutoencoder;
import dev.jmae.nn.CheckpointException;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Settings;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;

/**
 * Rebuilds a pretraining model from a checkpoint: jmae's (its config rides in the metadata), an
 * official .pth (its args name the preset) or weights with --config ({@link ModelFiles}).
 */
final class CheckpointModel {

    private CheckpointModel() {
    }

    /** A checkpoint's resolved config and its model with the checkpoint's weights. */
    record Loaded(Configs.Config config, MaskedAutoencoder model) {

        /** A split of the dataset the config names (data_path, dataset), found as pretraining finds it. */
        ImageDataset split(Split split) throws IOException {
            TrainConfig tc = config.train();
            return Datasets.resolve(tc.dataPath(), tc.dataset(), split, Path.of(Settings.home()));
        }

        /** The per-channel normalization mean, [C]. */
        double[] mean() {
            return config.train().mean().stream().mapToDouble(Double::doubleValue).toArray();
        }

        /** The per-channel normalization standard deviation, [C]. */
        double[] std() {
            return config.train().std().stream().mapToDouble(Double::doubleValue).toArray();
        }
    }

    /**
     * Loads the model of a checkpoint onto a device.
     *
     * @param file a checkpoint of jmae pretrain, an official MAE/CrossMAE .pth, or any weights
     *     file with official keys (then config names its model)
     * @param config --config (a preset or JSON file), or null to use the file's
     * @param dataPath a dataset to use instead of the run's (--data), or null
     * @param device where the model's parameters go
     * @param err where notes go (keys set aside, where the config came from)
     * @return the config (with training keys) and the model with its weights
     * @throws dev.jmae.crossmae.config.ConfigException if the file is missing or carries no
     *     config and none is given
     * @throws CheckpointException listing every missing, unexpected and mis-shaped key
     */
    static Loaded load(Path file, String config, String dataPath, Device device, PrintWriter err) throws IOException {
        ModelFiles.Read r = ModelFiles.read(file, "--checkpoint", device);
        Map<String, String> overrides = dataPath == null ? Map.of() : Map.of("data_path", Configs.jsonString(dataPath));
        Configs.Config c = Configs.resolve(Configs.override(ModelFiles.config(r, config), overrides), true);
        MaskedAutoencoder m = MaskedAutoencoder.create(c.model(), new Generator(0), device);
        ModelFiles.load(m, r, err);
        return new Loaded(c, m);
    }
}
