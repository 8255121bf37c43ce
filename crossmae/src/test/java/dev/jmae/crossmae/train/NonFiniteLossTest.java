package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.tensor.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A diverging run stops with the step, the lr and the last finite loss, keeping the last good checkpoint. */
class NonFiniteLossTest {

    @TempDir
    Path dir;

    @Test
    void aDivergingRunStopsWithTheStepLrAndLastFiniteLoss() throws Exception {
        Path data = TinyRuns.dataset(dir);
        // lr 1e30 with no warmup: the first AdamW step makes the weights astronomically large
        Pretrainer p = Pretrainer.create(TinyRuns.config(data, "\"lr\": 1e30, \"warmup_epochs\": 0, \"accum_iter\": 1"),
                dir.resolve("run"), Device.CPU, dir, TinyRuns.QUIET, false);
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, p::run);
        // the first step runs at the peak lr; the second, where the loss is NaN, slightly below it
        assertTrue(e.getMessage().matches("the loss became non-finite at epoch 0, batch 1 \\(optimizer step 1, lr 9\\.\\d{3}e\\+29\\);"
                + " the last finite loss was \\d+\\.\\d{6}\\. No checkpoint had been written yet; .*"), e.getMessage());
        assertFalse(Files.exists(new RunDirectory(dir.resolve("run")).lastCheckpoint()),
                "no checkpoint is written for a diverged state");
    }

    @Test
    void divergingAfterACheckpointKeepsItUntouched() throws Exception {
        Path data = TinyRuns.dataset(dir);
        Path runDir = dir.resolve("run");
        Pretrainer.create(TinyRuns.config(data, "\"epochs\": 1"), runDir, Device.CPU, dir, TinyRuns.QUIET, false).run();
        RunDirectory run = new RunDirectory(runDir);
        byte[] good = Files.readAllBytes(run.lastCheckpoint());
        // continue for a second epoch at an absurd learning rate: it diverges in epoch 1
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(run.config().toFile());
        config.put("epochs", 2).put("lr", 1e30).put("warmup_epochs", 0);
        json.writeValue(run.config().toFile(), config);
        Pretrainer p = Pretrainer.resume(runDir, Device.CPU, dir, TinyRuns.QUIET, false);
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, p::run);
        assertTrue(e.getMessage().contains("at epoch 1") && e.getMessage().contains("The last good checkpoint "
                + run.lastCheckpoint() + " is kept") && e.getMessage().contains("resume with --resume " + runDir), e.getMessage());
        assertArrayEquals(good, Files.readAllBytes(run.lastCheckpoint()), "the good checkpoint is left as it was");
    }
}
