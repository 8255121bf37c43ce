package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.FinetuneConfig.Recipe;
import dev.jmae.crossmae.config.TrainConfig;
import dev.jmae.crossmae.train.Pretrainer;
import dev.jmae.crossmae.train.RunDirectory;
import dev.jmae.crossmae.train.TinyRuns;
import dev.jmae.nn.Checkpoint;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20, findings 8, 10 and 11 of the bad-input probe, from the command line: a min_lr above
 * the peak lr and a JSON null are refused naming the key (before, the lr "decayed" upwards and
 * {@code "mask_ratio": null} silently became the default); a config metadata that is not a JSON
 * object, a missing file, a directory where a file belongs and counts below 1 are told with the
 * flag's own name (before: a ClassCastException, the bare path, "Is a directory", internal class
 * names); {@code forward} given a training checkpoint says it left the optimizer state out;
 * {@code pretrain --help} shows the default preset's values; {@code --resume} takes {@code --set}
 * for the keys that may change and refuses the others by name.
 */
class BadInputProbeTest {

    @TempDir
    Path dir;

    private record Outcome(int code, String out, String err) {
    }

    private static Outcome run(String... args) {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream old = System.out;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try {
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        } finally {
            System.setOut(old);
        }
        return new Outcome(code, stdout.toString(StandardCharsets.UTF_8) + out, err.toString());
    }

    private static void refused(Outcome o, String... parts) {
        assertEquals(2, o.code(), o.err());
        for (String p : parts) {
            assertTrue(o.err().contains(p), "'" + p + "' missing from: " + o.err());
        }
    }

    private Path pretrainConfig(String extra) throws Exception {
        Configs.Config c = TinyRuns.config(TinyRuns.dataset(dir), extra);
        Path f = dir.resolve("pretrain" + extra.hashCode() + ".json");
        Files.writeString(f, c.model().toJson().setAll(c.train().toJson()).toString());
        return f;
    }

    /** Finding 8: min_lr above the peak lr, and JSON null where a value is needed. */
    @Test
    void aMinLrAboveThePeakLrAndANullValueAreRefusedNamingTheKey() throws Exception {
        // the tiny run's peak lr: (0.5 / 0.75) * 0.01 * (16 * 2) / 256 = 8.333e-4
        Path out = dir.resolve("run");
        refused(run("pretrain", "--config", pretrainConfig("").toString(), "--set", "min_lr=0.01", "--out",
                out.toString()),
                "min_lr: is 0.01, above the peak lr 0.0008333 = (kept_mask_ratio/mask_ratio) * blr * eff_batch / 256",
                "the cosine \"decay\" would raise the lr", "hint: lower min_lr, or raise blr");
        refused(run("pretrain", "--config", pretrainConfig("").toString(), "--set", "lr=1e-4", "--set", "min_lr=2e-4",
                "--out",
                out.toString()), "min_lr: is 2.0E-4, above the peak lr 1.0E-4 (lr)");
        Path ft = dir.resolve("ft.json");
        Files.writeString(ft,
                Configs.prettyJson(TinyRuns.finetuneConfig(TinyRuns.dataset(dir), Recipe.FINETUNE, "").toJson()));
        refused(run("finetune", "--from-scratch", "--config", ft.toString(), "--set", "min_lr=0.1", "--out",
                out.toString()),
                "min_lr: is 0.1, above the peak lr 0.00125 = blr * batch_size * accum_iter / 256 = 0.01 * 16 * 2 / 256");
        Path withNull = dir.resolve("null.json");
        String text = Files.readString(pretrainConfig(""));
        assertTrue(text.contains("\"mask_ratio\":0.75"), text);
        Files.writeString(withNull, text.replace("\"mask_ratio\":0.75", "\"mask_ratio\":null"));
        refused(run("pretrain", "--config", withNull.toString(), "--out", out.toString()),
                "mask_ratio: is null, which has no meaning for this key; hint: give a value, or leave the key out");
        refused(run("pretrain", "--config", pretrainConfig("").toString(), "--set", "epochs=null", "--out",
                out.toString()),
                "epochs: is null");
        assertFalse(Files.exists(out.resolve("config.json")), "nothing is written for a refused config");
        // null keeps its meaning where the official scripts' None has one: lr unset means "from blr"
        TrainConfig t = TinyRuns.config(TinyRuns.dataset(dir), "\"lr\": null").train();
        assertTrue(Double.isNaN(t.lr()));
    }

    /** Finding 10: messages name the flag, what was expected and what was given. */
    @Test
    void filesAndCountsAreToldWithTheFlagsOwnName() throws Exception {
        Path data = TinyRuns.dataset(dir);
        Path ckpt = TinyRuns.pretrainCheckpoint(dir, data, "crossmae");
        Path notObject = dir.resolve("array-config.safetensors");
        Safetensors.write(notObject, Checkpoint.read(ckpt).model(), Map.of("config", "[1, 2]"));
        refused(run("reconstruct", "--checkpoint", notObject.toString(), "--out", dir.resolve("g.png").toString()),
                notObject
                        + ": its metadata 'config' is a JSON array, not a JSON object of config keys; hint: pass --config");
        Path missing = dir.resolve("missing.safetensors");
        refused(run("probe", "--checkpoint", missing.toString()),
                "--checkpoint " + missing + ": no such file (expected a"
                        + " .safetensors or PyTorch .pth checkpoint)");
        Path runDir = dir.resolve("run");
        Pretrainer.create(TinyRuns.config(data, "\"epochs\": 1"), runDir, Device.CPU, dir, TinyRuns.QUIET, false).run();
        refused(run("reconstruct", "--checkpoint", runDir.toString(), "--out", dir.resolve("g.png").toString()),
                "--checkpoint " + runDir + " is a directory, but --checkpoint expects a file",
                "hint: this is a run directory,"
                        + " use its checkpoint: --checkpoint " + new RunDirectory(runDir).lastCheckpoint());
        refused(run("reconstruct", "--checkpoint", ckpt.toString(), "--count", "0", "--out",
                dir.resolve("g.png").toString()),
                "--count must be >= 1 (test images to show), got 0");
        refused(run("probe", "--checkpoint", ckpt.toString(), "--epochs", "0"),
                "--epochs must be >= 1 (linear-probe epochs),"
                        + " got 0");
        refused(run("pretrain", "--config", pretrainConfig("").toString(), "--epochs", "0", "--out",
                dir.resolve("r0").toString()),
                "--epochs must be >= 1, got 0");
        refused(run("pretrain", "--config", pretrainConfig("").toString(), "--batch-size", "-1", "--out",
                dir.resolve("r0").toString()), "--batch-size must be >= 1, got -1");

        // a whole training checkpoint (model and optimizer state) given to forward: it runs, and says what it left out
        Generator g = new Generator(5);
        Path batch = dir.resolve("batch.safetensors");
        Safetensors.write(batch, Map.of("images", Tensor.randn(g, 2, 1, 16, 16), "noise", Tensor.rand(g, 2, 16)),
                Map.of());
        Path last = new RunDirectory(runDir).lastCheckpoint();
        Outcome f = run("forward", "--weights", last.toString(), "--batch", batch.toString(), "--out",
                dir.resolve("fwd.safetensors").toString());
        assertEquals(0, f.code(), f.err());
        assertTrue(f.err().contains(last + ": left out ")
                && f.err().contains("optimizer-state tensors (optimizer.*): the file"
                        + " is a jmae training checkpoint"),
                f.err());
    }

    /** Finding 11: the help shows the default preset's values, and --resume takes the --set keys that may change. */
    @Test
    void theHelpShowsThePresetDefaultsAndResumeTakesTheKeysThatMayChange() throws Exception {
        Outcome help = run("pretrain", "--help");
        assertEquals(0, help.code(), help.err());
        String text = help.out().replaceAll("\\s+", " ");
        TrainConfig preset = Configs.resolve(Configs.source(PretrainCommand.DEFAULT_CONFIG), true).train();
        String d = "(default: the config's; " + PretrainCommand.DEFAULT_CONFIG + ": ";
        for (String s : new String[] {"--epochs=N Override epochs, at least 1 " + d + preset.epochs() + ")",
            "--batch-size=N Override batch_size, images per micro-batch, at least 1 " + d + preset.batchSize() + ")",
            "--accum-iter=N Override accum_iter, micro-batches per optimizer step, at least 1 " + d + preset.accumIter()
                    + ")",
            "--seed=N Override seed " + d + preset.seed() + ")", "keys: docs/config.md"}) {
            assertTrue(text.contains(s), "'" + s + "' missing from: " + text);
        }

        Path runDir = dir.resolve("run");
        Pretrainer.create(TinyRuns.config(TinyRuns.dataset(dir), "\"epochs\": 1"), runDir, Device.CPU, dir,
                TinyRuns.QUIET,
                false).run();
        String config = Files.readString(new RunDirectory(runDir).config());
        refused(run("pretrain", "--resume", runDir.toString(), "--set", "mask_ratio=0.5"),
                "mask_ratio: is a model key: the checkpoint's weights have the run's model, so it cannot change on --resume",
                "keys that can: blr, ");
        refused(run("pretrain", "--resume", runDir.toString(), "--set", "seed=3"),
                "seed: decides which images the run trains on");
        assertEquals(config, Files.readString(new RunDirectory(runDir).config()), "a refused change writes nothing");
        Outcome on = run("pretrain", "--resume", runDir.toString(), "--set", "blr=0.005", "--set", "log_every=2",
                "--epochs",
                "2", "--no-progress");
        assertEquals(0, on.code(), on.err());
        assertTrue(
                on.out().contains("changed on resume (config.json updated): ") && on.out().contains("blr 0.01 -> 0.005")
                        && on.out().contains("epochs 1 -> 2") && on.out().contains("log_every 1 -> 2"),
                on.out());
        assertTrue(on.out().contains("resuming at epoch 2 batch 0") && on.out().contains("epoch 2/2"), on.out());
    }
}
