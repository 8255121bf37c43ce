package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.tensor.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A diverging run stops with the step, the lr and the last finite loss, keeping the last good
 * checkpoint; epochs are counted from 1 in the message (issue 20, bad-input finding 11). Finding 1:
 * weights or a test evaluation that turn non-finite without a non-finite loss never replace the
 * last good checkpoint either.
 */
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
        assertTrue(e.getMessage()
                .matches("the loss became non-finite at epoch 1, batch 1 \\(optimizer step 1, lr 9\\.\\d{3}e\\+29\\);"
                        + " the last finite loss was \\d+\\.\\d{6}\\. No checkpoint had been written yet; .*"),
                e.getMessage());
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
        assertTrue(e.getMessage().contains("at epoch 2") && e.getMessage().contains("The last good checkpoint "
                + run.lastCheckpoint() + " is kept") && e.getMessage().contains("resume with --resume " + runDir),
                e.getMessage());
        assertArrayEquals(good, Files.readAllBytes(run.lastCheckpoint()), "the good checkpoint is left as it was");
    }

    /**
     * One optimizer step per epoch (96 images, batch 16, accum_iter 6): the loss is checked before
     * each step, so a step that turns the weights non-finite at the end of an epoch is only seen
     * by the check before the save.
     */
    private static Path oneGoodEpoch(Path dir) throws Exception {
        Path data = TinyRuns.dataset(dir);
        Path runDir = dir.resolve("run");
        Pretrainer.create(TinyRuns.config(data, "\"epochs\": 1, \"accum_iter\": 6, \"eval_every\": 0"), runDir,
                Device.CPU, dir,
                TinyRuns.QUIET, false).run();
        return runDir;
    }

    /** Finding 1: parameters made infinite by the last step of an epoch are not saved over the good checkpoint. */
    @Test
    void nonFiniteWeightsAtTheEndOfAnEpochNeverReplaceTheLastGoodCheckpoint() throws Exception {
        Path runDir = oneGoodEpoch(dir);
        RunDirectory run = new RunDirectory(runDir);
        byte[] good = Files.readAllBytes(run.lastCheckpoint());
        // lr 1e39 is infinite in float32: the one step of epoch 2 makes the weights infinite or NaN; epoch 2 of 3
        // is not evaluated (eval_every 0), so only the check before its save stands between them and the file
        Pretrainer p = Pretrainer.resume(runDir, Map.of("epochs", "3", "lr", "1e39", "warmup_epochs", "0"), Device.CPU,
                dir,
                TinyRuns.QUIET, false, Ranks.single());
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, p::run);
        assertTrue(e.getMessage().startsWith("the training state became non-finite (")
                && e.getMessage().contains("parameter ")
                && e.getMessage().contains("by the end of epoch 2 (optimizer step 2,"), e.getMessage());
        assertTrue(
                e.getMessage().contains("The last good checkpoint " + run.lastCheckpoint() + " is kept; hint: lower blr"
                        + " (or increase warmup_epochs), then resume with --resume " + runDir + " --set blr=<lower>"),
                e.getMessage());
        assertArrayEquals(good, Files.readAllBytes(run.lastCheckpoint()), "the good checkpoint is left as it was");
    }

    /** Finding 1: a NaN test evaluation stops the run before the save, as a non-finite loss does. */
    @Test
    void aNonFiniteEvaluationStopsTheRunBeforeItsSave() throws Exception {
        Path runDir = oneGoodEpoch(dir);
        RunDirectory run = new RunDirectory(runDir);
        byte[] good = Files.readAllBytes(run.lastCheckpoint());
        // lr 1e30: the weights stay finite (about 1e30), but the forward pass overflows
        Pretrainer p = Pretrainer.resume(runDir, Map.of("epochs", "2", "lr", "1e30", "warmup_epochs", "0"), Device.CPU,
                dir,
                TinyRuns.QUIET, false, Ranks.single());
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, p::run);
        assertTrue(e.getMessage().startsWith("the test evaluation gave a masked-patch PSNR of NaN dB") && e.getMessage()
                .contains("by the end of epoch 2") && e.getMessage().contains("is kept"), e.getMessage());
        assertArrayEquals(good, Files.readAllBytes(run.lastCheckpoint()), "the good checkpoint is left as it was");
    }

    /** Finding 1: the optimizer's moments are checked too, not only the parameters. */
    @Test
    void nonFiniteOptimizerStateIsFound() {
        dev.jmae.nn.Linear lin = new dev.jmae.nn.Linear(3, 2, true, new dev.jmae.tensor.Generator(1), Device.CPU);
        dev.jmae.nn.optim.AdamW opt = new dev.jmae.nn.optim.AdamW(
                dev.jmae.nn.optim.ParamGroups.weightDecaySplit(lin, 1e-3,
                        0.05),
                0.9, 0.95, 1e-8);
        assertTrue(FiniteState.nonFinite(lin, opt).isEmpty(), "a fresh model and optimizer are finite");
        for (dev.jmae.nn.Parameter w : lin.parameters()) {
            w.setGrad(dev.jmae.tensor.Tensor.full(Float.MAX_VALUE, w.shape()));
        }
        opt.step();
        // the squared gradient overflows float32: exp_avg_sq is infinite while the weights stay finite
        assertEquals(java.util.Set.of("optimizer state weight.exp_avg_sq", "optimizer state bias.exp_avg_sq"),
                java.util.Set.copyOf(FiniteState.nonFinite(lin, opt)));
    }
}
