package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.crossmae.config.FinetuneConfig;
import dev.jmae.crossmae.config.FinetuneConfig.Recipe;
import dev.jmae.nn.Checkpoint;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tiny end-to-end fine-tuning and linear-probe runs (the 16×16 4-class synthetic IDX set of
 * {@link TinyRuns}, the tiny encoder, batch 16 × accum_iter 2, 2 epochs, 2 loader threads): the run
 * directory holds everything promised, the metrics have their keys, and a run stopped and resumed,
 * at an epoch boundary or mid-epoch, repeats the uninterrupted one bit for bit (step losses and the
 * final checkpoint's bytes), with Mixup/CutMix, drop path, RandAugment and random erasing active.
 */
class FinetuneRunTest {

    @TempDir
    Path dir;

    private static List<String> stepLosses(Path runDir) throws IOException {
        List<String> out = new ArrayList<>();
        for (ObjectNode r : MetricsLog.read(new RunDirectory(runDir).metrics())) {
            if (r.path("type").asText().equals("step")) {
                out.add(r.path("step").asLong() + ":" + r.path("loss").asDouble());
            }
        }
        return out;
    }

    private FinetuneConfig config(Recipe recipe, Path checkpoint) throws IOException {
        Path data = TinyRuns.dataset(dir);
        return TinyRuns.finetuneConfig(data, recipe, "").withFinetune(checkpoint == null ? "" : checkpoint.toString());
    }

    @Test
    void fineTuningFromACrossMaeCheckpointWritesEverythingPromised() throws IOException {
        Path ckpt = TinyRuns.pretrainCheckpoint(dir, TinyRuns.dataset(dir), "crossmae");
        Path run = dir.resolve("run");
        Finetuner.Summary s = Finetuner
                .create(config(Recipe.FINETUNE, ckpt), run, Device.CPU, dir, TinyRuns.QUIET, false).run();
        RunDirectory rd = new RunDirectory(run);
        for (Path p : List.of(rd.config(), rd.metrics(), rd.lastCheckpoint(), rd.bestCheckpoint(), rd.lossPlot(),
                rd.accuracyPlot())) {
            assertTrue(Files.size(p) > 0, p + " exists and is not empty");
        }
        assertFalse(s.stopped());
        assertEquals(2, s.epochsCompleted());
        assertEquals(6, s.steps(), "96 images / (16 x 2) = 3 optimizer steps per epoch");
        int steps = 0;
        int epochs = 0;
        double best = 0;
        for (ObjectNode r : MetricsLog.read(rd.metrics())) {
            if (r.get("type").asText().equals("step")) {
                steps++;
                assertTrue(r.get("loss").asDouble() > 0 && r.get("lr").asDouble() >= 0, r.toString());
            } else {
                epochs++;
                double acc1 = r.get("test_acc1").asDouble();
                double acc5 = r.get("test_acc5").asDouble();
                assertTrue(acc1 >= 0 && acc1 <= 100 && acc5 >= acc1, r.toString());
                assertEquals(100.0, acc5, 1e-9, "4 classes: the label is always among the top 5");
                assertEquals(32, r.get("test_images").asInt());
                assertTrue(Double.isFinite(r.get("test_loss").asDouble()) && r.get("test_loss").asDouble() > 0,
                        r.toString());
                best = Math.max(best, acc1);
                assertEquals(best, r.get("max_accuracy").asDouble(), 1e-12);
            }
        }
        assertEquals(6, steps);
        assertEquals(2, epochs);
        Checkpoint.Contents last = Checkpoint.read(rd.lastCheckpoint());
        assertEquals(Finetuner.format(Recipe.FINETUNE), last.metadata().get("format"));
        assertEquals("2", last.metadata().get("epoch"));
        assertEquals(ckpt.toString(), last.metadata().get("source"));
        assertTrue(last.model().containsKey("fc_norm.weight") && last.model().containsKey("head.weight")
                && !last.model().containsKey("norm.weight") && !last.model().containsKey("decoder_pred.weight"),
                last.model().keySet().toString());
        assertTrue(last.optimizer().containsKey("blocks.0.attn.qkv.weight.exp_avg"), "AdamW state is saved");
    }

    @Test
    void fineTuningStoppedAfterAnEpochAndResumedRepeatsTheUninterruptedRun() throws IOException {
        Path ckpt = TinyRuns.pretrainCheckpoint(dir, TinyRuns.dataset(dir), "crossmae");
        FinetuneConfig c = config(Recipe.FINETUNE, ckpt);
        Path straight = dir.resolve("straight");
        Finetuner.create(c, straight, Device.CPU, dir, TinyRuns.QUIET, false).run();
        Path split = dir.resolve("split");
        Finetuner first = Finetuner.create(c, split, Device.CPU, dir, TinyRuns.QUIET, false);
        first.listener(new Pretrainer.Listener() {
            @Override
            public void onEpoch(ObjectNode record) {
                first.requestStop();
            }
        });
        Finetuner.Summary s1 = first.run();
        assertTrue(s1.stopped());
        assertEquals(1, s1.epochsCompleted());
        Finetuner.Summary s2 = Finetuner.resume(split, Recipe.FINETUNE, Device.CPU, dir, TinyRuns.QUIET, false).run();
        assertFalse(s2.stopped());
        assertEquals(stepLosses(straight), stepLosses(split));
        assertEquals(6, stepLosses(split).size());
        assertSameCheckpoint(straight, split);
    }

    @Test
    void linearProbeStoppedMidEpochAndResumedRepeatsTheUninterruptedRunAndKeepsTheEncoderFrozen() throws IOException {
        Path ckpt = TinyRuns.pretrainCheckpoint(dir, TinyRuns.dataset(dir), "mae");
        FinetuneConfig c = TinyRuns.finetuneConfig(TinyRuns.dataset(dir), Recipe.LINPROBE, "\"global_pool\": false")
                .withFinetune(ckpt.toString());
        Path straight = dir.resolve("straight");
        Finetuner.create(c, straight, Device.CPU, dir, TinyRuns.QUIET, false).run();
        Path mid = dir.resolve("mid");
        Finetuner first = Finetuner.create(c, mid, Device.CPU, dir, TinyRuns.QUIET, false);
        first.listener(new Pretrainer.Listener() {
            @Override
            public void onStep(ObjectNode record) {
                if (record.path("step").asLong() == 2) {
                    first.requestStop();
                }
            }
        });
        Finetuner.Summary s1 = first.run();
        assertTrue(s1.stopped());
        assertEquals(2, s1.steps());
        Finetuner.resume(mid, Recipe.LINPROBE, Device.CPU, dir, TinyRuns.QUIET, false).run();
        assertEquals(stepLosses(straight), stepLosses(mid));
        assertSameCheckpoint(straight, mid);

        Map<String, Tensor> pretrained = Checkpoint.read(ckpt).model();
        Checkpoint.Contents probe = Checkpoint.read(new RunDirectory(straight).lastCheckpoint());
        for (String k : List.of("cls_token", "pos_embed", "patch_embed.proj.weight", "blocks.1.mlp.fc2.weight",
                "norm.weight")) {
            assertArrayEquals(pretrained.get(k).toArray(), probe.model().get(k).toArray(), k + " is frozen");
        }
        assertEquals(Map.of(), probe.optimizer().entrySet().stream().filter(e -> !e.getKey().startsWith("head.1."))
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)),
                "LARS state only for the head");
        assertEquals(12f, probe.model().get("head.0.num_batches_tracked").item(),
                "one BatchNorm update per micro-batch: 6 per epoch");
        assertNotEquals(0f, probe.model().get("head.0.running_mean").abs().sum().item(), "running statistics moved");
        assertEquals(Finetuner.format(Recipe.LINPROBE), probe.metadata().get("format"));
    }

    @Test
    void aRandomEncoderCanBeFineTunedAndProbed() throws IOException {
        for (Recipe recipe : Recipe.values()) {
            Path run = dir.resolve("scratch-" + recipe.command());
            FinetuneConfig c = TinyRuns.finetuneConfig(TinyRuns.dataset(dir), recipe,
                    "\"epochs\": 1, \"warmup_epochs\": 0");
            Finetuner.Summary s = Finetuner.create(c, run, Device.CPU, dir, TinyRuns.QUIET, false).run();
            assertEquals(1, s.epochsCompleted(), recipe.command());
            assertTrue(s.lastEval().acc1() >= 0 && s.lastEval().images() == 32, recipe.command());
            assertEquals("scratch", Checkpoint.read(new RunDirectory(run).lastCheckpoint()).metadata().get("source"));
        }
    }

    /** The final checkpoints (model, optimizer state, metadata) are the same bytes. */
    private static void assertSameCheckpoint(Path straight, Path resumed) throws IOException {
        assertArrayEquals(Files.readAllBytes(new RunDirectory(straight).lastCheckpoint()),
                Files.readAllBytes(new RunDirectory(resumed).lastCheckpoint()),
                "checkpoint-last of the uninterrupted and the resumed run");
    }
}
