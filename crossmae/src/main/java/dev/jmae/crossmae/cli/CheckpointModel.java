package dev.jmae.crossmae.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.crossmae.config.ConfigException;
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
import dev.jmae.tensor.io.Safetensors;
import dev.jmae.tensor.io.SafetensorsFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Rebuilds a model from a pretraining checkpoint (its config rides in the metadata). */
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
     * @param file checkpoint-*.safetensors written by jmae pretrain
     * @param dataPath a dataset to use instead of the run's (--data), or null
     * @param device where the model's parameters go
     * @return the config (with training keys) and the model with its weights
     */
    static Loaded load(Path file, String dataPath, Device device) throws IOException {
        return load(file, dataPath == null ? Map.of() : Map.of("data_path", Configs.jsonString(dataPath)), device);
    }

    /**
     * Loads the model of a checkpoint onto a device.
     *
     * @param file checkpoint-*.safetensors written by jmae pretrain
     * @param overrides config overrides (key to JSON value text)
     * @param device where the model's parameters go
     * @return the config (with training keys) and the model with its weights
     */
    static Loaded load(Path file, Map<String, String> overrides, Device device) throws IOException {
        Map<String, dev.jmae.tensor.Tensor> model = new LinkedHashMap<>();
        String config;
        try (SafetensorsFile f = Safetensors.open(file)) {
            config = f.metadata().get("config");
            if (config == null) {
                throw new ConfigException("checkpoint", file + " has no config metadata; hint: use a checkpoint written by"
                        + " jmae pretrain, or jmae forward with an explicit --config for a bare state dict");
            }
            for (String n : f.names()) {
                if (!n.startsWith("optimizer.")) {
                    model.put(n, f.tensor(n));
                }
            }
        }
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(config);
        Configs.Config c = Configs.resolve(Configs.override(json, overrides), true);
        MaskedAutoencoder m = MaskedAutoencoder.create(c.model(), new Generator(0), device);
        try {
            m.loadStateDict(model, true);
        } catch (CheckpointException e) {
            throw new CheckpointException(file.toString(), e.missing(), e.unexpected(), e.misShaped());
        }
        return new Loaded(c, m);
    }
}
