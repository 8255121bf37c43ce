package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.FinetuneConfig.Recipe;
import dev.jmae.crossmae.train.TinyRuns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jmae finetune} and {@code jmae linprobe} from the command line: a tiny run end to end, and
 * bad input (issue 18, must-show 5) refused with exit status 2 and a message naming what was
 * expected and what was given: a checkpoint of another model size, a dataset whose class count
 * differs from the head's, --from-scratch with --checkpoint, neither, a fine-tuning flag given to
 * the linear probe, the cls-token head on a CrossMAE checkpoint, and resuming a run with the other
 * command.
 */
class FinetuneCommandTest {

    @TempDir
    Path dir;

    private record Outcome(int code, String out, String err) {
    }

    private Outcome run(String... args) {
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
        return new Outcome(code, stdout.toString(StandardCharsets.UTF_8), err.toString());
    }

    private Path config(Recipe recipe, String extra) throws Exception {
        Path f = dir.resolve(recipe.command() + extra.hashCode() + ".json");
        Files.writeString(f,
                Configs.prettyJson(TinyRuns.finetuneConfig(TinyRuns.dataset(dir), recipe, extra).toJson()));
        return f;
    }

    private static void refused(Outcome o, String... parts) {
        assertEquals(2, o.code(), o.err());
        for (String p : parts) {
            assertTrue(o.err().contains(p), "'" + p + "' missing from: " + o.err());
        }
    }

    @Test
    void aTinyFineTuningRunsFromTheCommandLine() throws Exception {
        Path ckpt = TinyRuns.pretrainCheckpoint(dir, TinyRuns.dataset(dir), "crossmae");
        Outcome o = run("finetune", "--checkpoint", ckpt.toString(), "--config", config(Recipe.FINETUNE, "").toString(),
                "--epochs",
                "1", "--out", dir.resolve("run").toString(), "--no-progress");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("encoder from " + ckpt + " (crossmae pretraining)") && o.out().contains("epoch 1/1")
                && o.out().contains("test top-1") && o.out().contains("lr = blr * effective batch / 256"), o.out());
        assertTrue(Files.exists(dir.resolve("run").resolve("checkpoint-best.safetensors")));
    }

    @Test
    void aCheckpointOfAnotherSizeIsRefused() throws Exception {
        Path ckpt = TinyRuns.pretrainCheckpoint(dir, TinyRuns.dataset(dir), "crossmae");
        refused(run("finetune", "--checkpoint", ckpt.toString(), "--config", "finetune_vit_base_patch16"),
                "holds a ViT encoder of embed_dim 32, depth 2, num_heads 2, patch_size 4, in_chans 1",
                "describes vit_base_patch16 with embed_dim 768, depth 12, num_heads 12, patch_size 16, in_chans 3",
                "hint:");
    }

    @Test
    void aDatasetWithAnotherClassCountThanTheHeadIsRefused() throws Exception {
        refused(run("finetune", "--from-scratch", "--config", config(Recipe.FINETUNE, "").toString(), "--set",
                "nb_classes=10"),
                "nb_classes: is 10 (the head's outputs)", "has 4 classes", "hint: --set nb_classes=4");
        refused(run("linprobe", "--from-scratch", "--config", config(Recipe.LINPROBE, "").toString(), "--set",
                "nb_classes=1000"),
                "nb_classes: is 1000", "has 4 classes");
    }

    @Test
    void fromScratchWithACheckpointOrNeitherIsRefused() throws Exception {
        Path ckpt = TinyRuns.pretrainCheckpoint(dir, TinyRuns.dataset(dir), "crossmae");
        String cfg = config(Recipe.FINETUNE, "").toString();
        refused(run("finetune", "--from-scratch", "--checkpoint", ckpt.toString(), "--config", cfg),
                "--from-scratch trains a randomly initialized encoder, but --checkpoint " + ckpt + " was given too");
        refused(run("finetune", "--config", cfg), "expected --checkpoint FILE", "or --from-scratch", "got neither");
        refused(run("linprobe", "--from-scratch", "--checkpoint", ckpt.toString(), "--config",
                config(Recipe.LINPROBE, "").toString()),
                "--from-scratch");
    }

    @Test
    void theLinearProbeRefusesFineTuningFlagsAndAClsTokenHeadWithoutNorm() throws Exception {
        Path ckpt = TinyRuns.pretrainCheckpoint(dir, TinyRuns.dataset(dir), "crossmae");
        String cfg = config(Recipe.LINPROBE, "").toString();
        refused(run("linprobe", "--checkpoint", ckpt.toString(), "--config", cfg, "--set", "mixup=0.8"),
                "mixup: unknown key for jmae linprobe (a main_finetune.py flag");
        refused(run("linprobe", "--checkpoint", ckpt.toString(), "--config", cfg, "--set", "global_pool=false"),
                "global_pool: is false", "has no norm.*", "hint: --set global_pool=true");
    }

    @Test
    void aRunIsResumedOnlyByTheCommandThatStartedIt() throws Exception {
        Path run = dir.resolve("probe");
        Outcome o = run("linprobe", "--from-scratch", "--config", config(Recipe.LINPROBE, "").toString(), "--epochs",
                "1", "--out",
                run.toString(), "--no-progress");
        assertEquals(0, o.code(), o.err());
        refused(run("finetune", "--resume", run.toString()), "holds a run of format jmae-linprobe-checkpoint-1",
                "not jmae-finetune-checkpoint-1");
        refused(run("linprobe", "--resume", run.toString(), "--seed", "3"),
                "only --set (for the keys that may change), --epochs,"
                        + " --device and --no-progress combine with --resume");
        Outcome again = run("linprobe", "--from-scratch", "--config", config(Recipe.LINPROBE, "").toString(), "--out",
                run.toString());
        refused(again, "already holds a run");
        assertFalse(again.out().contains("epoch 1/"), "nothing trained");
    }
}
