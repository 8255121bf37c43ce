package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.tensor.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run stopped and resumed reproduces the uninterrupted run: the same step losses, bit for bit,
 * and the same final checkpoint bytes, whether it stopped at an epoch boundary or mid-epoch (tiny CrossMAE on a synthetic 16×16 IDX
 * dataset, 2 loader workers, gradient accumulation 2).
 */
class ResumeTest {

    @TempDir
    Path dir;

    private Path dataset() throws IOException {
        return TinyRuns.dataset(dir);
    }

    private Configs.Config config(Path data) {
        return TinyRuns.config(data, "");
    }

    private static final PrintStream QUIET = TinyRuns.QUIET;

    private static List<String> stepLosses(Path runDir) throws IOException {
        List<String> out = new ArrayList<>();
        for (ObjectNode r : MetricsLog.read(new RunDirectory(runDir).metrics())) {
            if (r.path("type").asText().equals("step")) {
                out.add(r.path("step").asLong() + ":" + r.path("loss").asDouble());
            }
        }
        return out;
    }

    @Test
    void stoppingAfterEpochOneAndResumingGivesTheSameEpochTwoLosses() throws IOException {
        Path data = dataset();
        Path straight = dir.resolve("straight");
        Pretrainer.create(config(data), straight, Device.CPU, dir, QUIET, false).run();

        Path split = dir.resolve("split");
        Pretrainer first = Pretrainer.create(config(data), split, Device.CPU, dir, QUIET, false);
        first.listener(new Pretrainer.Listener() {
            @Override
            public void onEpoch(ObjectNode record) {
                first.requestStop();
            }
        });
        Pretrainer.Summary s1 = first.run();
        assertTrue(s1.stopped());
        assertEquals(1, s1.epochsCompleted());
        Pretrainer.Summary s2 = Pretrainer.resume(split, Device.CPU, dir, QUIET, false).run();
        assertFalse(s2.stopped());
        assertEquals(2, s2.epochsCompleted());

        List<String> a = stepLosses(straight);
        List<String> b = stepLosses(split);
        assertEquals(6, a.size(), "96 images / (16 x 2) = 3 steps per epoch, 2 epochs: " + a);
        assertEquals(a, b, "step losses of the uninterrupted and the resumed run");
        assertEquals(Files.readString(new RunDirectory(straight).config()),
                Files.readString(new RunDirectory(split).config()));
        assertSameCheckpoint(straight, split);
    }

    @Test
    void stoppingMidEpochAndResumingGivesTheSameLosses() throws IOException {
        Path data = dataset();
        Path straight = dir.resolve("straight");
        Pretrainer.create(config(data), straight, Device.CPU, dir, QUIET, false).run();
        Path split = dir.resolve("mid");
        Pretrainer first = Pretrainer.create(config(data), split, Device.CPU, dir, QUIET, false);
        first.listener(new Pretrainer.Listener() {
            @Override
            public void onStep(ObjectNode record) {
                if (record.path("step").asLong() == 2) {
                    first.requestStop();
                }
            }
        });
        Pretrainer.Summary s1 = first.run();
        assertTrue(s1.stopped());
        assertEquals(2, s1.steps());
        Pretrainer.resume(split, Device.CPU, dir, QUIET, false).run();
        assertEquals(stepLosses(straight), stepLosses(split));
        assertSameCheckpoint(straight, split);
    }

    /** The final checkpoints (model, AdamW moments and step counts, metadata) are the same bytes. */
    private static void assertSameCheckpoint(Path straight, Path resumed) throws IOException {
        assertArrayEquals(Files.readAllBytes(new RunDirectory(straight).lastCheckpoint()),
                Files.readAllBytes(new RunDirectory(resumed).lastCheckpoint()),
                "checkpoint-last of the uninterrupted and the resumed run");
    }

    @Test
    void theRunDirectoryHoldsEverythingPromised() throws IOException {
        Path data = dataset();
        Path run = dir.resolve("run");
        Pretrainer.Summary s = Pretrainer.create(config(data), run, Device.CPU, dir, QUIET, false).run();
        RunDirectory rd = new RunDirectory(run);
        for (Path p : List.of(rd.config(), rd.metrics(), rd.lastCheckpoint(), rd.lossPlot(), rd.reconstruction(1),
                rd.reconstruction(2))) {
            assertTrue(Files.size(p) > 0, p + " exists and is not empty");
        }
        assertTrue(Double.isFinite(s.lastEval().psnr()) && Double.isFinite(s.lastEval().baselinePsnr()));
        dev.jmae.nn.Checkpoint.Contents saved = dev.jmae.nn.Checkpoint.read(rd.lastCheckpoint());
        Map<String, String> meta = saved.metadata();
        long trainable = 0;
        for (Map.Entry<String, dev.jmae.tensor.Tensor> e : saved.optimizer().entrySet()) {
            if (e.getKey().endsWith(".exp_avg")) {
                trainable += e.getValue().numel();
            }
        }
        assertEquals("2", meta.get("epoch"));
        assertTrue(meta.get("config").contains("\"kept_mask_ratio\":0.5"), meta.get("config"));
        int steps = 0;
        int epochs = 0;
        for (ObjectNode r : MetricsLog.read(rd.metrics())) {
            if (r.get("type").asText().equals("step")) {
                steps++;
                assertTrue(r.get("loss").asDouble() > 0 && r.get("lr").asDouble() >= 0
                        && r.get("images_per_s").asDouble() > 0, r.toString());
                // live memory holds at least the parameters, gradients and both AdamW moments
                double paramMb = 4.0 * trainable / 1e6;
                assertTrue(
                        r.get("live_mb").asDouble() >= 4 * paramMb
                                && r.get("peak_mb").asDouble() >= r.get("live_mb").asDouble(),
                        r.toString());
            } else {
                epochs++;
                assertTrue(r.get("test_psnr").asDouble() > r.get("test_baseline_psnr").asDouble() - 10, r.toString());
                // a norm-pix model: its PSNR next to the oracle-statistics baseline and the normalized MSE
                assertEquals(Evaluator.ORACLE_STATISTICS, r.get("test_baseline").asText(), r.toString());
                assertTrue(r.get("test_norm_mse").asDouble() > 0 && r.get("test_baseline_norm_mse").asDouble() < 1,
                        r.toString());
            }
        }
        // 96 images / batch 16 / accum 2 = 3 optimizer steps per epoch, one record each (log_every 1)
        assertEquals(6, steps);
        assertEquals(2, epochs);
    }

    /**
     * Issue 20, bad-input finding 9: after a kill between an epoch's records and its checkpoint,
     * the resumed run logs that epoch again; metrics.jsonl (and so loss.png) holds each step and
     * epoch once, as the uninterrupted run's did, and the hidden temporary files of interrupted
     * writes are removed when the run takes its directory again.
     */
    @Test
    void epochsRunAgainAfterAResumeAreLoggedOnceAndTheLitterOfAKillIsRemoved() throws IOException {
        Path data = dataset();
        Path runDir = dir.resolve("run");
        Pretrainer.create(TinyRuns.config(data, "\"keep_every\": 1"), runDir, Device.CPU, dir, QUIET, false).run();
        RunDirectory rd = new RunDirectory(runDir);
        List<String> straight = stepLosses(runDir);
        int records = MetricsLog.read(rd.metrics()).size();
        byte[] finalCheckpoint = Files.readAllBytes(rd.lastCheckpoint());
        // a kill after epoch 2 was logged but before its checkpoint was written: checkpoint-last is epoch 1's
        Files.copy(rd.checkpoint(1), rd.lastCheckpoint(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path tmp = runDir.resolve(".checkpoint-last.safetensors.3f2a9c01d4e5b6a7.tmp");
        Path tmpPng = runDir.resolve("reconstructions").resolve(".epoch-0002.png.9e8d.tmp");
        Path notLitter = runDir.resolve("notes.tmp");
        for (Path p : List.of(tmp, tmpPng, notLitter)) {
            Files.write(p, new byte[100]);
        }
        Pretrainer.resume(runDir, Device.CPU, dir, QUIET, false).run();
        assertEquals(records, MetricsLog.read(rd.metrics()).size(), "6 step and 2 epoch records, each once");
        assertEquals(straight, stepLosses(runDir));
        assertArrayEquals(finalCheckpoint, Files.readAllBytes(rd.lastCheckpoint()), "epoch 2 again, bit for bit");
        assertFalse(Files.exists(tmp) || Files.exists(tmpPng), "the temporary files of interrupted writes are gone");
        assertTrue(Files.exists(notLitter), "other files are left alone");
    }

    /**
     * Issue 20, bad-input finding 11: {@code --resume} takes {@code --set} for the keys that keep
     * the run the same run (so the non-finite hint "lower blr, then resume" can be followed), and
     * refuses model keys and keys that change the data, naming them.
     */
    @Test
    void resumeChangesOnlyTheKeysThatKeepTheRunTheSameRun() throws IOException {
        Path data = dataset();
        Path runDir = dir.resolve("run");
        Pretrainer.create(TinyRuns.config(data, "\"epochs\": 1"), runDir, Device.CPU, dir, QUIET, false).run();
        RunDirectory rd = new RunDirectory(runDir);
        String before = Files.readString(rd.config());
        for (String[] c : new String[][] {{"mask_ratio", "0.5", "is a model key"},
            {"decoder_depth", "3", "is a model key"},
            {"seed", "7", "decides which images the run trains on, in which order"},
            {"batch_size", "8", "decides which images"}}) {
            ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                    () -> Pretrainer.resume(
                            runDir, Map.of(c[0], c[1]), Device.CPU, dir, QUIET, false, Ranks.single()));
            assertEquals(c[0], e.key());
            assertTrue(e.getMessage().contains(c[2]) && e.getMessage().contains("keys that can: blr, "),
                    e.getMessage());
        }
        assertEquals(before, Files.readString(rd.config()), "a refused change writes nothing");
        Pretrainer p = Pretrainer.resume(runDir, Map.of("blr", "0.005", "epochs", "2"), Device.CPU, dir, QUIET, false,
                Ranks.single());
        assertEquals(0.005, p.config().train().blr());
        Pretrainer.Summary s = p.run();
        assertEquals(2, s.epochsCompleted());
        String after = Files.readString(rd.config());
        assertTrue(after.contains("\"blr\" : 0.005") && after.contains("\"epochs\" : 2"),
                "config.json keeps the change: " + after);
    }

    /** A process group that only knows its size: enough for what resume checks before any collective. */
    private record SizedGroup(int rank, int worldSize) implements dev.jmae.distributed.ProcessGroup {
        @Override
        public String backend() {
            return "test";
        }

        private static UnsupportedOperationException none() {
            return new UnsupportedOperationException("no collectives in this test");
        }

        @Override
        public dev.jmae.distributed.Work allReduceAsync(dev.jmae.tensor.Tensor t, dev.jmae.distributed.ReduceOp op) {
            throw none();
        }

        @Override
        public dev.jmae.distributed.Work allReduceAsync(java.lang.foreign.MemorySegment b,
                                                        dev.jmae.distributed.ReduceOp op) {
            throw none();
        }

        @Override
        public dev.jmae.distributed.Work broadcastAsync(dev.jmae.tensor.Tensor t, int root) {
            throw none();
        }

        @Override
        public dev.jmae.distributed.Work broadcastAsync(java.lang.foreign.MemorySegment b, int root) {
            throw none();
        }

        @Override
        public dev.jmae.tensor.Tensor allGather(dev.jmae.tensor.Tensor t) {
            throw none();
        }

        @Override
        public void barrier() {
            throw none();
        }

        @Override
        public byte[] broadcastBytes(byte[] data, int root) {
            throw none();
        }

        @Override
        public List<byte[]> allGatherBytes(byte[] data) {
            throw none();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void resumingOnARankCountThatCannotShareTheGlobalBatchIsRefused() throws IOException {
        Path data = dataset();
        Path run = dir.resolve("run");
        Pretrainer.create(TinyRuns.config(data, "\"epochs\": 1"), run, Device.CPU, dir, QUIET, false).run();
        // batch_size 16 on one process: 3 ranks cannot split it, 2 and 4 can
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> Pretrainer.resume(run, Device.CPU, dir, QUIET, false, new Ranks(new SizedGroup(0, 3))));
        assertTrue(
                e.getMessage()
                        .contains("trains on global batches of 16 images (batch_size 16 on 1 rank(s)), which 3 ranks"
                                + " cannot share equally; hint: resume on a number of ranks that divides 16"),
                e.getMessage());
        for (int world : new int[] {2, 4}) {
            Pretrainer p = Pretrainer.resume(run, Device.CPU, dir, QUIET, false,
                    new Ranks(new SizedGroup(world - 1, world)));
            assertEquals(16 / world, p.config().train().batchSize(), "batch_size per rank on " + world + " ranks");
            assertEquals(16 * 2, p.config().train().effectiveBatch(world), "the effective batch is kept");
        }
    }
}
