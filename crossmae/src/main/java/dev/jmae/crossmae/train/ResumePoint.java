package dev.jmae.crossmae.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.nn.Checkpoint;
import dev.jmae.nn.CheckpointException;
import dev.jmae.nn.Module;
import dev.jmae.nn.Parameter;
import dev.jmae.nn.optim.Optimizer;
import dev.jmae.nn.optim.ParamGroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Where a checkpoint says a run stands, read from its metadata and checked before a resumed run
 * trusts it: epoch (epochs completed, or the epoch it stopped in), batch (micro-batches of that
 * epoch done) and step (optimizer steps so far) must be present, integers, in range
 * (0 ≤ epoch ≤ epochs, 0 ≤ batch &lt; batches per epoch, batch = 0 at epoch = epochs, batch a
 * multiple of accum_iter) and consistent (step = epoch · ⌊batches / accum_iter⌋ + batch /
 * accum_iter). The checkpoint must also hold optimizer state for every trained parameter: a
 * resumed run never silently starts its optimizer afresh.
 *
 * @param file the checkpoint, for messages
 * @param epoch epochs completed, or the epoch stopped in (counted from 0)
 * @param batch micro-batches of that epoch done
 * @param step optimizer steps so far
 * @param metadata the checkpoint's whole metadata
 */
record ResumePoint(Path file, int epoch, int batch, long step, Map<String, String> metadata) {

    /**
     * Loads a checkpoint into a model (strictly) and its optimizer, checking its format, its
     * position fields and its optimizer state.
     *
     * @param file the checkpoint
     * @param format the format tag the run writes
     * @param command the command that resumes such a run, for hints (e.g. "pretrain")
     * @param model the model to fill
     * @param optimizer the optimizer to restore
     * @return the position, not yet checked against the run's sizes ({@link #check})
     * @throws IOException if the file cannot be read
     * @throws ConfigException naming the file and the field when the format or a position field is
     *     missing or malformed, or optimizer state is missing
     * @throws CheckpointException if the model keys do not match
     */
    static ResumePoint load(Path file, String format, String command, Module model, Optimizer optimizer)
            throws IOException {
        Checkpoint.Contents c = Checkpoint.read(file);
        Map<String, String> meta = c.metadata();
        String found = meta.get("format");
        if (!format.equals(found)) {
            throw new ConfigException("format",
                    file + " holds " + (found == null ? "no format tag" : "a checkpoint of format "
                            + found) + ", not " + format + " (a jmae " + command
                            + " run's); hint: resume a run with the command that"
                            + " started it");
        }
        ResumePoint p = new ResumePoint(file, (int) field(file, meta, "epoch", Integer.MAX_VALUE),
                (int) field(file, meta, "batch", Integer.MAX_VALUE), field(file, meta, "step", Long.MAX_VALUE), meta);
        try {
            model.loadStateDict(c.model(), true);
        } catch (CheckpointException e) {
            throw new CheckpointException(file.toString(), e.missing(), e.unexpected(), e.misShaped());
        }
        Map<Parameter, String> keys = new IdentityHashMap<>();
        model.namedParameters().forEach((k, v) -> keys.put(v, k));
        List<String> without = new ArrayList<>();
        for (ParamGroup g : optimizer.groups()) {
            for (Parameter param : g.params()) {
                String prefix = keys.get(param) + ".";
                if (c.optimizer().keySet().stream().noneMatch(k -> k.startsWith(prefix))) {
                    without.add(keys.get(param));
                }
            }
        }
        if (p.step > 0 && !without.isEmpty()) {
            throw new ConfigException("optimizer", file + " has no optimizer state (" + Checkpoint.OPTIMIZER_PREFIX
                    + "<key>.*) for "
                    + (c.optimizer().isEmpty() ? "any of its " + without.size() + " trained parameters"
                            : without.size() + " trained parameters: "
                                    + String.join(", ", without.subList(0, Math.min(5,
                                            without.size())))
                                    + (without.size() > 5 ? ", ..." : ""))
                    + ", after " + p.step + " optimizer steps;"
                    + " continuing with a fresh optimizer would not be the same run; hint: resume from a checkpoint that jmae "
                    + command + " wrote (checkpoint-last.safetensors of the run directory)");
        }
        optimizer.loadStateDict(c.optimizer(), keys::get);
        return p;
    }

    /**
     * A positive integer of a checkpoint's metadata.
     *
     * @param file the checkpoint, for messages
     * @param meta its metadata
     * @param key the field
     * @param absent the value when the field is absent
     * @return the value
     * @throws ConfigException naming the file and the field if it is not a positive integer
     */
    static int positive(Path file, Map<String, String> meta, String key, int absent) {
        String v = meta.get(key);
        if (v == null) {
            return absent;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // told below
        }
        throw new ConfigException(key, file + " has '" + key + "' = \"" + v + "\" in its metadata, expected a positive"
                + " integer");
    }

    private static long field(Path file, Map<String, String> meta, String key, long max) {
        String v = meta.get(key);
        if (v == null) {
            throw new ConfigException(key,
                    file + " has no '" + key + "' in its metadata, which a resumed run needs to know"
                            + " where it stands; hint: resume from a checkpoint that jmae wrote");
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key,
                    file + " has '" + key + "' = \"" + v + "\" in its metadata, expected an integer");
        }
        if (n < 0 || n > max) {
            throw new ConfigException(key, file + " has '" + key + "' = " + n + " in its metadata, expected 0 <= " + key
                    + " <= " + max);
        }
        return n;
    }

    /**
     * Checks that the run's config describes the run that wrote the checkpoint: every key the
     * checkpoint's metadata config holds must have the same value in the run's config, except
     * the keys a resumed run may change ({@link Configs#RESUMABLE_KEYS}) and {@code batch_size}
     * (per rank; the global batch is checked from the metadata's {@code global_batch_size}).
     * Keys only one of them has (a checkpoint of an older jmae) are not compared.
     *
     * @param run the run's resolved config, flat (model and training keys)
     * @param configFile the run's config.json, for messages
     * @throws ConfigException naming the first key that differs, with both values, or
     *     {@code config} when the metadata's config is not a JSON object
     */
    void checkConfig(ObjectNode run, Path configFile) {
        String text = metadata.get("config");
        if (text == null) {
            return;
        }
        JsonNode saved;
        try {
            saved = new ObjectMapper().readTree(text);
        } catch (JsonProcessingException e) {
            saved = null;
        }
        if (!(saved instanceof ObjectNode s)) {
            throw new ConfigException("config",
                    file + ": its metadata 'config' is not a JSON object; hint: resume from a"
                            + " checkpoint that jmae wrote");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode now = run.get(key);
            if (Configs.RESUMABLE_KEYS.contains(key) || UNCOMPARED.contains(key) || now == null
                    || same(e.getValue(), now)) {
                continue;
            }
            throw new ConfigException(key,
                    "is " + now + " in " + configFile + ", but " + file + " was written by a run with "
                            + key + " = " + e.getValue()
                            + "; a resumed run continues the checkpoint's run; hint: restore " + key
                            + " = " + e.getValue() + " in " + configFile + ", or start a new run (--out) to change it");
        }
    }

    /** Keys not compared by {@link #checkConfig}: batch_size is per rank (its global value is checked apart). */
    private static final Set<String> UNCOMPARED = Set.of("batch_size");

    private static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.asDouble() == b.asDouble();
        }
        if (a.isArray() && b.isArray() && a.size() == b.size()) {
            for (int i = 0; i < a.size(); i++) {
                if (!same(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /**
     * Checks the position against the run it continues.
     *
     * @param epochs the config's epochs
     * @param batches micro-batches per epoch
     * @param accumIter micro-batches per optimizer step
     * @throws ConfigException naming the file and the field that is out of range or inconsistent
     */
    void check(int epochs, int batches, int accumIter) {
        if (epoch > epochs) {
            throw new ConfigException("epoch",
                    file + " has 'epoch' = " + epoch + " in its metadata, past the run's epochs ("
                            + epochs + "); hint: resume with --set epochs=" + Math.max(epoch, epochs + 1)
                            + " or more to train on");
        }
        if (batch >= batches || (epoch == epochs && batch != 0) || batch % accumIter != 0) {
            throw new ConfigException("batch",
                    file + " has 'batch' = " + batch + " in its metadata (epoch " + (epoch + 1)
                            + "), expected 0 <= batch < " + batches
                            + " (the batches per epoch), a multiple of accum_iter (" + accumIter
                            + ")" + (epoch == epochs ? ", and 0 once all " + epochs + " epochs are done" : "")
                            + "; hint: the dataset,"
                            + " batch_size or accum_iter differ from the run's, or the metadata was edited");
        }
        long expected = (long) epoch * (batches / accumIter) + batch / accumIter;
        if (step != expected) {
            throw new ConfigException("step", file + " has 'step' = " + step + " in its metadata, but epoch " + epoch
                    + " and batch " + batch + " at " + batches / accumIter + " optimizer steps per epoch (" + batches
                    + " batches, accum_iter " + accumIter + ") give " + expected + "; hint: the dataset, batch_size or"
                    + " accum_iter differ from the run's, or the metadata was edited");
        }
    }
}
