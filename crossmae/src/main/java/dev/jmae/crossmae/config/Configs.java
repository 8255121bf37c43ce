package dev.jmae.crossmae.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Loading, merging and printing configs. Sources, later winning: a preset or JSON file, then
 * {@code key=value} overrides (values parsed as JSON, bare words as strings).
 *
 * <p>A config is one flat JSON object with the official snake_case keys; every key is optional;
 * an unknown key, a wrong type or an out-of-range value is a {@link ConfigException} naming it.
 */
public final class Configs {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Configs() {
    }

    /** A model config and, when asked for, the training config read from the same object. */
    public record Config(ModelConfig model, TrainConfig train, ObjectNode json) {

        /** @return the resolved config, every key spelled out, as indented JSON */
        public String toPrettyJson() {
            ObjectNode o = model.toJson();
            if (train != null) {
                o.setAll(train.toJson());
            }
            try {
                return JSON.writeValueAsString(o);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * A config object as the indented JSON that runs print and save.
     *
     * @param o the object
     * @return its text
     */
    public static String prettyJson(ObjectNode o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads a config source: a path to a JSON file, or the name of a preset shipped with jmae
     * (configs/NAME.json, with or without the extension).
     *
     * @param source path or preset name
     * @return the JSON object
     * @throws ConfigException if neither exists or the JSON is malformed
     */
    public static ObjectNode source(String source) {
        Path p = Path.of(source);
        try {
            if (Files.isRegularFile(p)) {
                return parse(source, Files.readString(p));
            }
            String name = source.endsWith(".json") ? p.getFileName().toString() : source + ".json";
            try (InputStream in = Configs.class.getResourceAsStream("/configs/" + name)) {
                if (in != null) {
                    return parse(source, new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw new ConfigException(source, "cannot be read: " + e.getMessage());
        }
        throw new ConfigException(source, "is neither a file nor a preset; hint: presets are the names of the files in"
                + " configs/, e.g. crossmae_vit_base_patch16 or fashion_mnist_crossmae");
    }

    private static ObjectNode parse(String what, String text) {
        try {
            JsonNode n = JSON.readTree(text);
            if (n == null || !n.isObject()) {
                throw new ConfigException(what, "must hold one JSON object");
            }
            return (ObjectNode) n;
        } catch (JsonProcessingException e) {
            throw new ConfigException(what, "is not valid JSON: " + e.getOriginalMessage() + " (line "
                    + e.getLocation().getLineNr() + ")");
        }
    }

    /**
     * A string as a JSON string literal (quoted and escaped), for an override value that must stay
     * a string even when it reads as a number or a boolean, such as a path.
     *
     * @param s any string
     * @return its JSON literal, e.g. {@code "C:\\data"} for {@code C:\data}
     */
    public static String jsonString(String s) {
        return TextNode.valueOf(s).toString();
    }

    /**
     * Applies {@code key=value} overrides; values are parsed as JSON (numbers, booleans, lists),
     * and taken as strings when they are not valid JSON.
     *
     * @param base the object to modify
     * @param overrides key to value text
     * @return base
     */
    public static ObjectNode override(ObjectNode base, Map<String, String> overrides) {
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            JsonNode v;
            try {
                v = JSON.readTree(e.getValue());
            } catch (JsonProcessingException ex) {
                v = null;
            }
            if (v == null || v.isMissingNode()) {
                base.put(e.getKey(), e.getValue());
            } else {
                base.set(e.getKey(), v);
            }
        }
        return base;
    }

    /**
     * The keys a resumed run may change ({@code --resume DIR --set key=value}): the lr schedule
     * and length (blr, lr, min_lr, epochs, warmup_epochs), the optimizer's hyperparameters
     * (weight_decay, opt_betas, opt_eps, and fine-tuning's layer_decay, clip_grad), and what is
     * logged, evaluated and saved, and how fast batches are made (log_every, eval_every,
     * eval_batch_size, save_every, keep_every, num_workers, prefetch_factor). Model keys and the
     * keys that decide which images are trained on, in which order and how they are augmented
     * stay the run's.
     */
    public static final Set<String> RESUMABLE_KEYS = Set.of("blr", "lr", "min_lr", "epochs", "warmup_epochs",
            "weight_decay",
            "opt_betas", "opt_eps", "layer_decay", "clip_grad", "log_every", "eval_every", "eval_batch_size",
            "save_every",
            "keep_every", "num_workers", "prefetch_factor");

    /** Keys that decide the data a run sees, its order and its augmentation. */
    private static final Set<String> DATA_KEYS = Set.of("batch_size", "accum_iter", "seed", "data_path", "dataset",
            "crop_scale",
            "crop_ratio", "hflip_prob", "mean", "std", "aa", "color_jitter", "smoothing", "reprob", "remode",
            "recount", "mixup", "cutmix", "cutmix_minmax", "mixup_prob", "mixup_switch_prob", "mixup_mode", "drop_path",
            "finetune");

    /**
     * Applies the {@code --set} overrides of a resumed run to its saved config, refusing keys that
     * may not change ({@link #RESUMABLE_KEYS}).
     *
     * @param saved the run's config.json
     * @param overrides key to value text
     * @return a copy of saved with the overrides
     * @throws ConfigException naming the first key that may not change, and why
     */
    public static ObjectNode overrideOnResume(ObjectNode saved, Map<String, String> overrides) {
        for (String key : overrides.keySet()) {
            if (RESUMABLE_KEYS.contains(key)) {
                continue;
            }
            String why = ModelConfig.KEYS.contains(key)
                    || Set.of("input_size", "nb_classes", "global_pool").contains(key)
                            ? "is a model key: the checkpoint's weights have the run's model, so it cannot change on --resume"
                            : DATA_KEYS.contains(key)
                                    ? "decides which images the run trains on, in which order or how they are"
                                            + " augmented, so changing it on --resume would not continue the same run"
                                    : "cannot change on --resume";
            throw new ConfigException(key,
                    why + "; keys that can: " + String.join(", ", RESUMABLE_KEYS.stream().sorted()
                            .toList()) + "; hint: start a new run (--out) to change it");
        }
        return override(saved.deepCopy(), overrides);
    }

    /**
     * The keys whose resolved values differ between two configs, as "key old -> new" items.
     *
     * @param before the config before
     * @param after the config after
     * @return e.g. "blr 0.01 -> 0.001, epochs 2 -> 4", or "nothing" when they agree
     */
    public static String changes(Config before, Config after) {
        ObjectNode a = before.model().toJson();
        ObjectNode b = after.model().toJson();
        if (before.train() != null && after.train() != null) {
            a.setAll(before.train().toJson());
            b.setAll(after.train().toJson());
        }
        return changes(a, b);
    }

    /**
     * The keys whose values differ between two flat JSON objects, as "key old -> new" items.
     *
     * @param a the object before
     * @param b the object after
     * @return e.g. "blr 0.01 -> 0.001", or "nothing" when they agree
     */
    public static String changes(ObjectNode a, ObjectNode b) {
        java.util.List<String> out = new java.util.ArrayList<>();
        Set<String> keys = new java.util.LinkedHashSet<>();
        a.fieldNames().forEachRemaining(keys::add);
        b.fieldNames().forEachRemaining(keys::add);
        for (String k : keys) {
            JsonNode x = a.get(k);
            JsonNode y = b.get(k);
            if (x == null ? y != null : !x.equals(y)) {
                out.add(k + " " + (x == null ? "unset" : x) + " -> " + (y == null ? "unset" : y));
            }
        }
        return out.isEmpty() ? "nothing" : String.join(", ", out);
    }

    /**
     * Resolves a config object.
     *
     * @param json the merged JSON object
     * @param training whether to read (and allow) the training keys; when false, training keys
     *     are still allowed and ignored, so one file serves every command
     * @return the validated config
     * @throws ConfigException naming the first problem
     */
    public static Config resolve(ObjectNode json, boolean training) {
        JsonFields f = new JsonFields(json);
        ModelConfig model = ModelConfig.read(f);
        TrainConfig train = training ? TrainConfig.read(f, model.inChans()) : null;
        if (train != null && train.mean().size() != model.inChans()) {
            throw new ConfigException("mean",
                    "needs " + model.inChans() + " values (in_chans), got " + train.mean().size());
        }
        Set<String> allowed = new HashSet<>(training ? Set.of() : TrainConfig.KEYS);
        f.rejectUnknown(allowed);
        return new Config(model, train, json);
    }
}
