package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.train.Pretrainer;
import dev.jmae.crossmae.train.RunDirectory;
import dev.jmae.crossmae.train.TinyRuns;
import dev.jmae.tensor.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jmae reconstruct} and {@code jmae probe} on the checkpoint of a tiny real run. */
class EvaluationCommandsTest {

    @TempDir
    Path dir;

    private String runCli(String... args) {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream old = System.out;
        StringWriter err = new StringWriter();
        int code;
        try {
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            code = Main.run(args, new PrintWriter(new StringWriter()), new PrintWriter(err));
        } finally {
            System.setOut(old);
        }
        assertEquals(0, code, err.toString());
        return stdout.toString(StandardCharsets.UTF_8);
    }

    @Test
    void reconstructAndProbeWorkOnAPretrainingCheckpoint() throws Exception {
        Path data = TinyRuns.dataset(dir);
        Path run = dir.resolve("run");
        Pretrainer.create(TinyRuns.config(data, ""), run, Device.CPU, dir, TinyRuns.QUIET, false).run();
        Path ckpt = new RunDirectory(run).lastCheckpoint();

        Path grid = dir.resolve("grid.png");
        String out = runCli("reconstruct", "--checkpoint", ckpt.toString(), "--out", grid.toString(), "--count", "5");
        BufferedImage img = ImageIO.read(grid.toFile());
        // 5 columns and 4 rows of 16-pixel images magnified 7x (112 / 16) with 2-pixel gaps
        assertEquals(2 + 5 * (16 * 7 + 2), img.getWidth());
        assertEquals(2 + 4 * (16 * 7 + 2), img.getHeight());
        assertTrue(out.contains("masked-patch PSNR") && out.contains("oracle-statistics baseline")
                && out.contains("normalized MSE") && out.contains("de-normalized with each target patch's true mean"),
                out);
        runCli("reconstruct", "--checkpoint", ckpt.toString(), "--out", dir.resolve("trained.png").toString(),
                "--predict", "trained");

        String probe = runCli("probe", "--checkpoint", ckpt.toString(), "--epochs", "3");
        // columns: encoder, raw pixels, the same encoder randomly initialized (--seed, default 0)
        Matcher m = Pattern.compile("linear probe \\(3 epochs\\)\\s+([\\d.]+)%\\s+([\\d.]+)%\\s+([\\d.]+)%")
                .matcher(probe);
        Matcher k = Pattern.compile("k-NN \\(k=20, cosine\\)\\s+([\\d.]+)%\\s+([\\d.]+)%\\s+([\\d.]+)%").matcher(probe);
        assertTrue(probe.contains("random init") && m.find() && k.find(), probe);
        // the random-init control is a function of the seed alone: the same seed gives the same
        // scores, another seed another encoder
        String again = runCli("probe", "--checkpoint", ckpt.toString(), "--epochs", "3", "--method", "knn");
        Matcher k2 = Pattern.compile("k-NN \\(k=20, cosine\\)\\s+([\\d.]+)%\\s+([\\d.]+)%\\s+([\\d.]+)%")
                .matcher(again);
        assertTrue(k2.find(), again);
        assertEquals(k.group(3), k2.group(3), again);
        assertEquals(k.group(1), k2.group(1), again);
        for (Matcher x : new Matcher[] {m, k}) {
            for (int g = 1; g <= 3; g++) {
                double acc = Double.parseDouble(x.group(g));
                assertTrue(acc >= 0 && acc <= 100, probe);
            }
        }
        // 4 classes told apart by blob width at random positions: cosine k-NN on raw pixels is near
        // chance (25%, position dominates), the encoder's pooled features are well above it
        assertTrue(Double.parseDouble(k.group(1)) > 50, probe);
    }

    @Test
    void reconstructShowsSeveralModelsOnTheSameImagesAndMasks() throws Exception {
        Path data = TinyRuns.dataset(dir);
        Path crossmae = TinyRuns.pretrainCheckpoint(dir, data, "crossmae");
        Path mae = TinyRuns.pretrainCheckpoint(dir, data, "mae");
        Path grid = dir.resolve("side.png");
        String out = runCli("reconstruct", "--checkpoint", crossmae.toString(), "--checkpoint", mae.toString(), "--out",
                grid.toString(), "--count", "3");
        BufferedImage img = ImageIO.read(grid.toFile());
        // rows: original, masked, then one pasted reconstruction per model
        assertEquals(2 + 4 * (16 * 7 + 2), img.getHeight());
        assertEquals(2 + 3 * (16 * 7 + 2), img.getWidth());
        assertTrue(out.contains("row 3, " + crossmae) && out.contains("row 4, " + mae)
                && out.contains("in --checkpoint order"), out);

        Path other = dir.resolve("other");
        java.nio.file.Files.createDirectories(other);
        Path masked = TinyRuns.pretrainCheckpoint(other, data, "crossmae");
        dev.jmae.crossmae.config.Configs.Config c = TinyRuns.config(data,
                "\"mask_ratio\": 0.5, \"kept_mask_ratio\": 0.5");
        dev.jmae.nn.Checkpoint.save(masked,
                dev.jmae.crossmae.model.MaskedAutoencoder.create(c.model(), new dev.jmae.tensor.Generator(1),
                        Device.CPU),
                null, java.util.Map.of("config", c.model().toJson().setAll(c.train().toJson()).toString()));
        StringWriter err = new StringWriter();
        int code = Main.run(
                new String[] {"reconstruct", "--checkpoint", crossmae.toString(), "--checkpoint", masked.toString(),
                    "--out", grid.toString()},
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(2, code);
        assertTrue(err.toString().contains("mask_ratio 0.5") && err.toString().contains("same images and masks"),
                err.toString());
    }
}
