package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.data.Fixtures;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run stopped and resumed reproduces the uninterrupted run: the same step losses, bit for bit,
 * whether it stopped at an epoch boundary or mid-epoch (tiny CrossMAE on a synthetic 16×16 IDX
 * dataset, 2 loader workers, gradient accumulation 2).
 */
class ResumeTest {

    @TempDir
    Path dir;

    /** A small IDX dataset of blurred random blobs: 96 train and 32 test images of 16×16. */
    private Path dataset() throws IOException {
        Path d = dir.resolve("data");
        Files.createDirectories(d);
        for (String split : new String[] {"train", "t10k"}) {
            int n = split.equals("train") ? 96 : 32;
            Generator g = new Generator(split.length());
            byte[] px = new byte[n * 256];
            byte[] labels = new byte[n];
            for (int i = 0; i < n; i++) {
                int cx = 3 + g.nextInt(10);
                int cy = 3 + g.nextInt(10);
                labels[i] = (byte) (i % 4);
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        double r2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                        px[i * 256 + y * 16 + x] = (byte) Math.min(255, 255 * Math.exp(-r2 / (4 + labels[i])) + g.nextInt(20));
                    }
                }
            }
            Fixtures.write(d.resolve(split + "-images-idx3-ubyte.gz"), Fixtures.gzip(Fixtures.idxImages(n, 16, 16, px)));
            Fixtures.write(d.resolve(split + "-labels-idx1-ubyte.gz"), Fixtures.gzip(Fixtures.idxLabels(n, labels)));
        }
        return d;
    }

    private Configs.Config config(Path data) {
        String json = "{\"model\":\"crossmae\",\"img_size\":16,\"patch_size\":4,\"in_chans\":1,\"embed_dim\":32,\"depth\":2,"
                + "\"num_heads\":2,\"decoder_embed_dim\":16,\"decoder_depth\":2,\"decoder_num_heads\":2,\"kept_mask_ratio\":0.5,"
                + "\"batch_size\":16,\"accum_iter\":2,\"epochs\":2,\"warmup_epochs\":0.5,\"blr\":0.01,\"data_path\":\"" + data
                + "\",\"mean\":[0.3],\"std\":[0.3],\"num_workers\":2,\"log_every\":1,\"eval_every\":1,\"save_every\":1}";
        try {
            ObjectNode o = (ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
            return Configs.resolve(o, true);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final PrintStream QUIET = new PrintStream(java.io.OutputStream.nullOutputStream());

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
        assertEquals(Files.readString(new RunDirectory(straight).config()), Files.readString(new RunDirectory(split).config()));
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
    }

    @Test
    void theRunDirectoryHoldsEverythingPromised() throws IOException {
        Path data = dataset();
        Path run = dir.resolve("run");
        Pretrainer.Summary s = Pretrainer.create(config(data), run, Device.CPU, dir, QUIET, false).run();
        RunDirectory rd = new RunDirectory(run);
        for (Path p : List.of(rd.config(), rd.metrics(), rd.lastCheckpoint(), rd.lossPlot(), rd.reconstruction(1), rd.reconstruction(2))) {
            assertTrue(Files.size(p) > 0, p + " exists and is not empty");
        }
        assertTrue(Double.isFinite(s.lastEval().psnr()) && Double.isFinite(s.lastEval().baselinePsnr()));
        Map<String, String> meta = dev.jmae.nn.Checkpoint.read(rd.lastCheckpoint()).metadata();
        assertEquals("2", meta.get("epoch"));
        assertTrue(meta.get("config").contains("\"kept_mask_ratio\":0.5"), meta.get("config"));
    }
}
