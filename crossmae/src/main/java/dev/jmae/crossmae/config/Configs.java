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
            throw new ConfigException("mean", "needs " + model.inChans() + " values (in_chans), got " + train.mean().size());
        }
        Set<String> allowed = new HashSet<>(training ? Set.of() : TrainConfig.KEYS);
        f.rejectUnknown(allowed);
        return new Config(model, train, json);
    }
}
