package dev.jmae.crossmae.train;

import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.nn.Checkpoint;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20, bad-input finding 4: a resumed run checks its checkpoint's metadata before trusting
 * it (epoch, batch and step present, integers, in range and consistent; the format of the run;
 * optimizer state for every trained parameter) and refuses with a message naming the file and the
 * field, training nothing and writing nothing. Before, {@code epoch=-3} "resumed at epoch -2" with
 * a negative lr and overwrote the checkpoint, a missing epoch failed with "Cannot parse null
 * string", and a missing optimizer state was silently re-initialised.
 */
class ResumeValidationTest {

    @TempDir
    Path dir;

    /** Rewrites a checkpoint with changed metadata and, unless kept, without its optimizer state. */
    private static void rewrite(Path file, Path from, Consumer<Map<String, String>> edit, boolean keepOptimizer)
            throws Exception {
        Checkpoint.Contents c = Checkpoint.read(from);
        Map<String, Tensor> tensors = new LinkedHashMap<>(c.model());
        if (keepOptimizer) {
            c.optimizer().forEach((k, v) -> tensors.put(Checkpoint.OPTIMIZER_PREFIX + k, v));
        }
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        edit.accept(meta);
        Safetensors.write(file, tensors, meta);
    }

    private static ConfigException refused(Path runDir) {
        return assertThrows(ConfigException.class, () -> Pretrainer.resume(runDir, Map.of("epochs", "2"), Device.CPU,
                runDir.getParent(), TinyRuns.QUIET, false, Ranks.single()).run());
    }

    @Test
    void checkpointMetadataIsCheckedBeforeAResumedRunTrustsIt() throws Exception {
        Path data = TinyRuns.dataset(dir);
        Path runDir = dir.resolve("run");
        Pretrainer.create(TinyRuns.config(data, "\"epochs\": 1"), runDir, Device.CPU, dir, TinyRuns.QUIET, false).run();
        RunDirectory run = new RunDirectory(runDir);
        Path good = dir.resolve("good.safetensors");
        Files.copy(run.lastCheckpoint(), good);
        assertEquals("1", Checkpoint.read(good).metadata().get("epoch"));
        Path file = run.lastCheckpoint();
        String config = Files.readString(run.config());
        // 96 images, batch 16: 6 batches per epoch, accum_iter 2: 3 optimizer steps per epoch
        Object[][] cases = {
            {(Consumer<Map<String, String>>) m -> m.put("epoch", "-3"), "epoch",
                "has 'epoch' = -3 in its metadata, expected 0"
                        + " <= epoch"},
            {(Consumer<Map<String, String>>) m -> m.remove("epoch"), "epoch", "has no 'epoch' in its metadata"},
            {(Consumer<Map<String, String>>) m -> m.put("batch", "two"), "batch",
                "has 'batch' = \"two\" in its metadata,"
                        + " expected an integer"},
            {(Consumer<Map<String, String>>) m -> m.put("epoch", "5"), "epoch",
                "has 'epoch' = 5 in its metadata, past the"
                        + " run's epochs (2)"},
            {(Consumer<Map<String, String>>) m -> m.put("batch", "6"), "batch",
                "expected 0 <= batch < 6 (the batches per"
                        + " epoch), a multiple of accum_iter (2)"},
            {(Consumer<Map<String, String>>) m -> m.put("step", "99"), "step",
                "has 'step' = 99 in its metadata, but epoch 1"
                        + " and batch 0 at 3 optimizer steps per epoch (6 batches, accum_iter 2) give 3"},
            {(Consumer<Map<String, String>>) m -> m.remove("format"), "format", "holds no format tag, not"
                    + " jmae-pretrain-checkpoint-1"},
            // a model key that changes no shape: the weights would load, and train another model than the checkpoint's
            {(Consumer<Map<String, String>>) m -> m.put("config", m.get("config").replace("\"mask_ratio\":0.75",
                    "\"mask_ratio\":0.5")),
                "mask_ratio", "is 0.75 in " + run.config() + ", but " + file + " was written by a"
                        + " run with mask_ratio = 0.5"},
            {(Consumer<Map<String, String>>) m -> m.put("config", "[]"), "config", "its metadata 'config' is not a JSON"
                    + " object"},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            Consumer<Map<String, String>> edit = (Consumer<Map<String, String>>) c[0];
            rewrite(file, good, edit, true);
            byte[] before = Files.readAllBytes(file);
            ConfigException e = refused(runDir);
            assertEquals(c[1], e.key(), e.getMessage());
            assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains((String) c[2]),
                    e.getMessage());
            assertArrayEquals(before, Files.readAllBytes(file), "nothing was written");
            assertEquals(config, Files.readString(run.config()), "the --set epochs=2 of a refused resume is not kept");
        }
        rewrite(file, good, m -> {}, false);
        ConfigException noOptimizer = refused(runDir);
        assertEquals("optimizer", noOptimizer.key());
        assertTrue(
                noOptimizer.getMessage().contains(file + " has no optimizer state (optimizer.<key>.*) for any of its"),
                noOptimizer.getMessage());
        // the untouched checkpoint still resumes
        Files.copy(good, file, StandardCopyOption.REPLACE_EXISTING);
        Pretrainer.Summary s = Pretrainer.resume(runDir, Map.of("epochs", "2"), Device.CPU, dir, TinyRuns.QUIET, false,
                Ranks.single()).run();
        assertEquals(2, s.epochsCompleted());
    }
}
