package dev.jmae.nn;

import dev.jmae.nn.optim.Optimizer;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.Safetensors;
import dev.jmae.tensor.io.SafetensorsFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checkpoints as one safetensors file: the model's state dict under its official keys (so it
 * loads into the PyTorch model with strict=True after dropping the {@code optimizer.} entries),
 * the optimizer state under {@code optimizer.<parameter key>.<state>}, and string metadata (the
 * resolved config JSON, epoch, generator states, ...).
 *
 * <p>Writing is atomic ({@link Safetensors#write}): a failure mid-write leaves the previous file
 * readable.
 */
public final class Checkpoint {

    /** Prefix of the optimizer-state entries. */
    public static final String OPTIMIZER_PREFIX = "optimizer.";

    private Checkpoint() {
    }

    /** What a checkpoint file holds. */
    public record Contents(Map<String, Tensor> model, Map<String, Tensor> optimizer, Map<String, String> metadata) {
    }

    /**
     * Writes model, optimizer state and metadata atomically.
     *
     * @param file the destination (replaced atomically)
     * @param model the model
     * @param optimizer its optimizer, or null to save the model only
     * @param metadata string metadata
     * @throws IOException if writing fails; the previous file is then untouched
     */
    public static void save(Path file, Module model, Optimizer optimizer, Map<String, String> metadata)
            throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>(model.stateDict());
        if (optimizer != null) {
            Map<Parameter, String> keys = keysOf(model);
            optimizer.stateDict(keys::get).forEach((k, t) -> tensors.put(OPTIMIZER_PREFIX + k, t));
        }
        Safetensors.write(file, tensors, metadata);
    }

    /**
     * Reads a checkpoint without applying it.
     *
     * @param file the file
     * @return model tensors, optimizer tensors (prefix stripped) and metadata
     * @throws IOException if the file cannot be read or is malformed
     */
    public static Contents read(Path file) throws IOException {
        Map<String, Tensor> model = new LinkedHashMap<>();
        Map<String, Tensor> opt = new LinkedHashMap<>();
        Map<String, String> meta;
        try (SafetensorsFile f = Safetensors.open(file)) {
            for (String name : f.names()) {
                if (name.startsWith(OPTIMIZER_PREFIX)) {
                    opt.put(name.substring(OPTIMIZER_PREFIX.length()), f.tensor(name));
                } else {
                    model.put(name, f.tensor(name));
                }
            }
            meta = new LinkedHashMap<>(f.metadata());
        }
        return new Contents(model, opt, meta);
    }

    /**
     * Loads a checkpoint into a model (strictly) and, when given, its optimizer.
     *
     * @param file the file
     * @param model the model to fill
     * @param optimizer the optimizer to restore, or null
     * @return the checkpoint's metadata
     * @throws IOException if the file cannot be read
     * @throws CheckpointException listing every missing, unexpected and mis-shaped model key
     */
    public static Map<String, String> load(Path file, Module model, Optimizer optimizer) throws IOException {
        Contents c = read(file);
        try {
            model.loadStateDict(c.model(), true);
        } catch (CheckpointException e) {
            throw new CheckpointException(file.toString(), e.missing(), e.unexpected(), e.misShaped());
        }
        if (optimizer != null) {
            Map<Parameter, String> keys = keysOf(model);
            optimizer.loadStateDict(c.optimizer(), keys::get);
        }
        return c.metadata();
    }

    private static Map<Parameter, String> keysOf(Module model) {
        Map<Parameter, String> keys = new IdentityHashMap<>();
        model.namedParameters().forEach((k, p) -> keys.put(p, k));
        return keys;
    }
}
