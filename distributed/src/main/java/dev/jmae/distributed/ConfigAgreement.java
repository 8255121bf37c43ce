package dev.jmae.distributed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks at start that every rank runs with the same configuration, so a rank launched with a
 * different preset or flag fails at once with the field named, instead of training a different
 * model and all-reducing nonsense (or hanging on a shape mismatch).
 */
public final class ConfigAgreement {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigAgreement() {
    }

    /**
     * All-gathers every rank's config JSON and compares each with rank 0's; every rank receives
     * all of them, so every rank throws the same exception. Collective: every rank must call it.
     *
     * @param group the process group
     * @param configJson this rank's resolved config, a JSON document (usually a flat object)
     * @throws DistributedException naming the first differing field (rank 0's key order, then
     *     keys only the other rank has; nested objects by dotted path) with both values and ranks
     */
    public static void requireSame(ProcessGroup group, String configJson) {
        List<byte[]> all = group.allGatherBytes(configJson.getBytes(StandardCharsets.UTF_8));
        JsonNode reference = parse(all.get(0), 0);
        for (int r = 1; r < all.size(); r++) {
            JsonNode other = parse(all.get(r), r);
            String difference = firstDifference("", reference, other, r);
            if (difference != null) {
                throw new DistributedException("the ranks' configs differ: " + difference
                        + "; every rank must start with the same config; hint: launch every rank with the same"
                        + " command line and config file (and, with --resume, the same run directory)");
            }
        }
    }

    /**
     * The first difference between two JSON trees.
     *
     * @param path the dotted path so far ("" at the top)
     * @param a rank 0's node
     * @param b the other rank's node
     * @param rank the other rank
     * @return a description, or null when equal
     */
    static String firstDifference(String path, JsonNode a, JsonNode b, int rank) {
        if (a.isObject() && b.isObject()) {
            Set<String> keys = new LinkedHashSet<>();
            a.fieldNames().forEachRemaining(keys::add);
            b.fieldNames().forEachRemaining(keys::add);
            for (String key : keys) {
                String p = path.isEmpty() ? key : path + "." + key;
                JsonNode x = a.get(key);
                JsonNode y = b.get(key);
                if (x == null || y == null) {
                    return "field '" + p + "' is " + (x == null ? "missing" : x.toString()) + " on rank 0 but "
                            + (y == null ? "missing" : y.toString()) + " on rank " + rank;
                }
                String d = firstDifference(p, x, y, rank);
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        if (a.equals(b) || (a.isNumber() && b.isNumber() && a.decimalValue().compareTo(b.decimalValue()) == 0)) {
            return null;
        }
        String name = path.isEmpty() ? "the config" : "field '" + path + "'";
        return name + " is " + a + " on rank 0 but " + b + " on rank " + rank;
    }

    private static JsonNode parse(byte[] bytes, int rank) {
        try {
            return JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new DistributedException(
                    "the config of rank " + rank + " is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new DistributedException("the config of rank " + rank + " could not be read: " + e.getMessage(), e);
        }
    }
}
