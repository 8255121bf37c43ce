package dev.jmae.crossmae.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Typed reads of a flat JSON config object that remember which keys were used, so unknown keys
 * can be reported; every error names the key.
 */
public final class JsonFields {

    private final ObjectNode node;
    private final Set<String> used = new LinkedHashSet<>();

    /**
     * Wraps a JSON object.
     *
     * @param node the config object
     */
    public JsonFields(ObjectNode node) {
        this.node = node;
    }

    /**
     * Whether the object sets a key. JSON null is refused here: a key read through this method has
     * no "unset" meaning, so null would otherwise silently become the default (keys that have one,
     * such as lr, are read with {@link #optionalNumber} or {@link #isUnset}).
     *
     * @param key a key
     * @return whether the object has it
     * @throws ConfigException if its value is null
     */
    public boolean has(String key) {
        used.add(key);
        JsonNode v = node.get(key);
        if (v != null && v.isNull()) {
            throw new ConfigException(key,
                    "is null, which has no meaning for this key; hint: give a value, or leave the key"
                            + " out for its default (docs/config.md)");
        }
        return v != null;
    }

    /**
     * Whether a key whose null means "unset" (the official scripts' None: lr, clip_grad, ...) is
     * absent or null.
     *
     * @param key a key
     * @return true when absent or null
     */
    public boolean isUnset(String key) {
        used.add(key);
        JsonNode v = node.get(key);
        return v == null || v.isNull();
    }

    /**
     * A number field whose null means "unset" (the official scripts' None).
     *
     * @param key the key
     * @return the value, or NaN when absent or null
     * @throws ConfigException if present but not a number
     */
    public double optionalNumber(String key) {
        if (isUnset(key)) {
            return Double.NaN;
        }
        JsonNode v = node.get(key);
        if (!v.isNumber()) {
            throw new ConfigException(key, "expected a number or null (unset), got " + v);
        }
        return v.asDouble();
    }

    /**
     * An integer field.
     *
     * @param key the key
     * @param def the default when absent
     * @return the value
     * @throws ConfigException if present but not an integer
     */
    public int integer(String key, int def) {
        if (!has(key)) {
            return def;
        }
        JsonNode v = node.get(key);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new ConfigException(key, "expected an integer, got " + v);
        }
        return v.asInt();
    }

    /**
     * A number field.
     *
     * @param key the key
     * @param def the default when absent
     * @return the value
     * @throws ConfigException if present but not a number
     */
    public double number(String key, double def) {
        if (!has(key)) {
            return def;
        }
        JsonNode v = node.get(key);
        if (!v.isNumber()) {
            throw new ConfigException(key, "expected a number, got " + v);
        }
        return v.asDouble();
    }

    /**
     * A boolean field.
     *
     * @param key the key
     * @param def the default when absent
     * @return the value
     * @throws ConfigException if present but not a boolean
     */
    public boolean bool(String key, boolean def) {
        if (!has(key)) {
            return def;
        }
        JsonNode v = node.get(key);
        if (!v.isBoolean()) {
            throw new ConfigException(key, "expected true or false, got " + v);
        }
        return v.asBoolean();
    }

    /**
     * A string field.
     *
     * @param key the key
     * @param def the default when absent
     * @return the value
     * @throws ConfigException if present but not a string
     */
    public String string(String key, String def) {
        if (!has(key)) {
            return def;
        }
        JsonNode v = node.get(key);
        if (!v.isTextual()) {
            throw new ConfigException(key, "expected a string, got " + v);
        }
        return v.asText();
    }

    /**
     * A list of integers.
     *
     * @param key the key
     * @param def the default when absent
     * @return the values
     * @throws ConfigException if present but not an array of integers
     */
    public List<Integer> integers(String key, List<Integer> def) {
        if (!has(key)) {
            return def;
        }
        JsonNode v = node.get(key);
        if (!v.isArray()) {
            throw new ConfigException(key, "expected a list of integers, got " + v);
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                throw new ConfigException(key + "[" + i + "]", "expected an integer, got " + e);
            }
            out.add(e.asInt());
        }
        return List.copyOf(out);
    }

    /**
     * A list of numbers.
     *
     * @param key the key
     * @param def the default when absent
     * @return the values
     * @throws ConfigException if present but not an array of numbers
     */
    public List<Double> numbers(String key, List<Double> def) {
        if (!has(key)) {
            return def;
        }
        JsonNode v = node.get(key);
        if (!v.isArray()) {
            throw new ConfigException(key, "expected a list of numbers, got " + v);
        }
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isNumber()) {
                throw new ConfigException(key + "[" + i + "]", "expected a number, got " + e);
            }
            out.add(e.asDouble());
        }
        return List.copyOf(out);
    }

    /**
     * Fails on keys that were never read.
     *
     * @param allowed further keys another config reads from the same object
     * @throws ConfigException naming the first unknown key and listing the known ones
     */
    public void rejectUnknown(Set<String> allowed) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String k = names.next();
            if (!used.contains(k) && !allowed.contains(k)) {
                Set<String> known = new LinkedHashSet<>(used);
                known.addAll(allowed);
                throw new ConfigException(k, "unknown key; known keys: " + String.join(", ", known));
            }
        }
    }

    /** @return the keys read so far */
    public Set<String> used() {
        return Set.copyOf(used);
    }
}
