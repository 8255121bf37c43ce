package dev.jmae.crossmae.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.OfficialArgs;
import dev.jmae.nn.CheckpointException;
import dev.jmae.nn.Module;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.ModelWeights;
import dev.jmae.tensor.io.torch.PickleObject;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights and checkpoints the commands take, in either format ({@link ModelWeights}: jmae's
 * or any safetensors, F16/BF16/F64 converted to float32, and PyTorch {@code .pth} read without
 * running anything): the file checked first (a missing file or a directory is named as such),
 * the state dict lined up with the model ({@link ModelWeights#match}) and loaded strictly, with
 * every missing, unexpected and mis-shaped key in one error, and the notes (prefixes removed,
 * optimizer state left out, heads set aside) printed.
 *
 * <p>The model's config comes from {@code --config} when given, else from the file: jmae
 * safetensors carry theirs as {@code metadata.config}; an official {@code .pth} carries the
 * {@code args} of its training script, mapped to a preset ({@link OfficialArgs}). A weights-only
 * file carries none, and the error says to pass {@code --config}.
 */
final class ModelFiles {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelFiles() {
    }

    /**
     * A weights file read: its state dict, and the config it carries.
     *
     * @param weights the state dict, metadata and notes
     * @param option the CLI option that named it, for messages
     * @param config the config the file carries, or null
     * @param configNotes where that config came from, one line each
     * @param noConfig why the file carries no usable config (when config is null)
     */
    record Read(ModelWeights.Loaded weights, String option, ObjectNode config, List<String> configNotes,
                String noConfig) {

        /** @return the file */
        Path file() {
            return weights.file();
        }
    }

    /**
     * Checks that a path names a file, before anything reads it.
     *
     * @param path the path given
     * @param option the option that gave it, e.g. {@code --weights}
     * @param expected what the file should be, e.g. "a .safetensors or .pth checkpoint"
     * @return the path
     * @throws IllegalArgumentException "no such file" with the path and what was expected, or, for
     *     a directory, that a file was expected (for a run directory, pointing at its checkpoint-last)
     */
    static Path requireFile(Path path, String option, String expected) {
        if (Files.isDirectory(path)) {
            Path last = path.resolve("checkpoint-last.safetensors");
            throw new IllegalArgumentException(
                    option + " " + path + " is a directory, but " + option + " expects a file ("
                            + expected + ")"
                            + (Files.isRegularFile(last) ? "; hint: this is a run directory, use its checkpoint: "
                                    + option + " " + last : ""));
        }
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(option + " " + path + ": no such file (expected " + expected + ")");
        }
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException(option + " " + path + " cannot be read (permission denied)");
        }
        return path;
    }

    /**
     * Reads the state dict of a weights file and the config it carries.
     *
     * @param file a .safetensors or PyTorch checkpoint
     * @param option the option that named it
     * @param device where the tensors go
     * @return the state dict and config
     * @throws ConfigException if the file is missing or a directory, or its config metadata is
     *     not a JSON object (naming the file)
     * @throws IOException if the file cannot be read, is malformed, or is refused as unsafe
     *     ({@link dev.jmae.tensor.io.torch.UnsafePickleException}, naming the global)
     */
    static Read read(Path file, String option, Device device) throws IOException {
        requireFile(file, option, "a .safetensors or PyTorch .pth checkpoint");
        ModelWeights.Loaded w = ModelWeights.read(file, device);
        Map<String, Object> meta = w.metadata();
        String format = meta.get("format") instanceof String s ? s : "";
        if (format.startsWith("jmae-finetune") || format.startsWith("jmae-linprobe")) {
            throw new ConfigException("checkpoint", file + " is a " + format + " checkpoint (a classifier without the"
                    + " pretraining decoder); " + option
                    + " expects a pretraining checkpoint (jmae pretrain's, or an official"
                    + " MAE/CrossMAE one)");
        }
        if (meta.get("config") instanceof String text) {
            return new Read(w, option, configObject(file, text), List.of("config from " + file + " (metadata.config)"),
                    null);
        }
        if (meta.get("args") instanceof PickleObject args) {
            try {
                OfficialArgs.Mapped m = OfficialArgs.toConfig(args.attributes(), file.toString());
                return new Read(w, option, m.json(), m.notes(), null);
            } catch (ConfigException e) {
                return new Read(w, option, null, List.of(), e.getMessage().replaceFirst("^model: ", ""));
            }
        }
        return new Read(w, option, null, List.of(), file
                + " carries no config (a weights-only file: no metadata.config, no"
                + " official args); hint: pass --config with the model's preset (e.g. crossmae_vit_base_patch16) or JSON file");
    }

    /** A config metadata entry, which must be one JSON object. */
    private static ObjectNode configObject(Path file, String text) {
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException("config",
                    file + ": its metadata 'config' is not valid JSON (" + e.getOriginalMessage()
                            + "); hint: pass --config to give the model's config instead");
        }
        if (!(n instanceof ObjectNode o)) {
            throw new ConfigException("config", file + ": its metadata 'config' is " + (n == null ? "empty" : "a JSON "
                    + n.getNodeType().name().toLowerCase(java.util.Locale.ROOT))
                    + ", not a JSON object of config keys; hint:"
                    + " pass --config to give the model's config instead");
        }
        return o;
    }

    /**
     * The config object to build the model from: --config when given (a preset name or JSON
     * file), else the one the file carries.
     *
     * @param r the file read
     * @param explicit the --config value, or null
     * @return a fresh JSON object (overrides may be applied to it)
     * @throws ConfigException if there is neither, saying to pass --config
     */
    static ObjectNode config(Read r, String explicit) {
        if (explicit != null) {
            return Configs.source(explicit);
        }
        if (r.config() == null) {
            throw new ConfigException("config", r.noConfig());
        }
        return r.config().deepCopy();
    }

    /**
     * Loads a file's state dict into a model strictly: every model key filled with its shape,
     * nothing unexplained left over; prints what was set aside and the notes.
     *
     * @param model the model, freshly built from the config
     * @param r the file read
     * @param err where the notes go
     * @throws CheckpointException naming the file and listing every missing, unexpected and
     *     mis-shaped key, with the notes
     */
    static void load(Module model, Read r, PrintWriter err) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        model.stateDict().forEach((k, t) -> shapes.put(k, t.shape()));
        ModelWeights.Match m = ModelWeights.match(r.weights().stateDict(), shapes);
        List<String> notes = new ArrayList<>(r.weights().notes());
        notes.addAll(setAside(m));
        notes.addAll(m.notes());
        if (!m.complete()) {
            throw new CheckpointException(r.file() + " (" + describe(r.weights()) + ")", m.missing(), m.unexpected(),
                    m.misShaped(), notes);
        }
        Map<String, Tensor> tensors = m.tensors();
        model.loadStateDict(tensors, true);
        for (String line : r.configNotes()) {
            err.println(r.file() + ": " + line);
        }
        for (String n : notes) {
            err.println(r.file() + ": " + n);
        }
        err.flush();
    }

    /** The keys set aside, one line per reason. */
    private static List<String> setAside(ModelWeights.Match m) {
        Map<String, List<String>> byReason = new LinkedHashMap<>();
        m.setAside().forEach((k, why) -> byReason.computeIfAbsent(why, x -> new ArrayList<>()).add(k));
        List<String> lines = new ArrayList<>();
        byReason.forEach((why, keys) -> lines.add("set aside " + keys.size() + " key(s), " + why + ": "
                + String.join(", ", keys.subList(0, Math.min(8, keys.size()))) + (keys.size() > 8 ? ", ..." : "")));
        return lines;
    }

    private static String describe(ModelWeights.Loaded w) {
        return w.format() == ModelWeights.Format.PYTORCH ? "PyTorch checkpoint, state dict under '" + w.location() + "'"
                : "safetensors";
    }
}
