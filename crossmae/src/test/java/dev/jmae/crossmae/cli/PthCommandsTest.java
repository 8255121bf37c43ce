package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.FinetuneConfig.Recipe;
import dev.jmae.crossmae.testing.TorchFiles;
import dev.jmae.crossmae.train.Pretrainer;
import dev.jmae.crossmae.train.TinyRuns;
import dev.jmae.nn.Checkpoint;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20: every command that takes weights or a checkpoint accepts a PyTorch {@code .pth} as
 * well as {@code .safetensors} and gives the same results from both: {@code forward} and
 * {@code steps} (bit for bit, the official layout and a DDP/timm-style one with {@code module.}
 * keys and a fine-tuned head set aside), {@code reconstruct} and {@code probe} (the same PSNR and
 * accuracies), {@code finetune} and {@code linprobe} (the same trained weights), the PyTorch
 * 1.13 fixture of tools/golden/make_checkpoint_fixtures.py (forward as its float32 safetensors
 * twin); a pickle that calls {@code os.system} is refused by name and runs nothing, and
 * {@code pretrain --resume} given a {@code .pth} says why it cannot continue one.
 */
class PthCommandsTest {

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

    private static Outcome ok(String... args) {
        Outcome o = run(args);
        assertEquals(0, o.code(), o.err());
        return o;
    }

    private static void assertSameTensors(Path expected, Path got) throws Exception {
        Map<String, Tensor> a = Safetensors.read(expected);
        Map<String, Tensor> b = Safetensors.read(got);
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toArray(), b.get(k).toArray(), k);
        }
    }

    /** The golden CrossMAE's weights, as safetensors with its config file. */
    private Path goldenConfig() throws Exception {
        Path config = dir.resolve("golden.json");
        try (dev.jmae.tensor.io.SafetensorsFile f = Safetensors
                .open(ForwardGoldenTest.resource("crossmae_kmr025.weights.safetensors"))) {
            Files.writeString(config, f.metadata().get("config"));
        }
        return config;
    }

    @Test
    void forwardAndStepsGiveTheSameResultsFromAPthAsFromSafetensors() throws Exception {
        Path weights = ForwardGoldenTest.resource("crossmae_kmr025.weights.safetensors");
        Path batch = ForwardGoldenTest.resource("crossmae_kmr025.batch.safetensors");
        String config = goldenConfig().toString();
        Map<String, Tensor> sd = Safetensors.read(weights);
        Path official = TorchFiles.official(dir.resolve("official.pth"), sd, Map.of("model", "micro_crossmae"));
        // saved from DistributedDataParallel by a fine-tuning script: module. keys, timm's head and fc_norm
        Map<String, Object> wrapped = new LinkedHashMap<>();
        sd.forEach((k, v) -> wrapped.put("module." + k, v));
        wrapped.put("module.fc_norm.weight", Tensor.ones(sd.get("cls_token").shape()[2]));
        wrapped.put("module.head.weight", Tensor.zeros(10, sd.get("cls_token").shape()[2]));
        Path timm = TorchFiles.write(dir.resolve("timm.pth"), Map.of("state_dict", wrapped, "epoch", 3));

        Path expected = dir.resolve("expected.safetensors");
        ok("forward", "--config", config, "--weights", weights.toString(), "--batch", batch.toString(), "--out",
                expected.toString(),
                "--grads");
        Path fromOfficial = dir.resolve("official.out.safetensors");
        ok("forward", "--config", config, "--weights", official.toString(), "--batch", batch.toString(), "--out",
                fromOfficial.toString(), "--grads");
        assertSameTensors(expected, fromOfficial);
        Path fromTimm = dir.resolve("timm.out.safetensors");
        Outcome t = ok("forward", "--config", config, "--weights", timm.toString(), "--batch", batch.toString(),
                "--out",
                fromTimm.toString(), "--grads");
        assertSameTensors(expected, fromTimm);
        assertTrue(
                t.err().contains("removed the prefix 'module.'") && t.err().contains("set aside 2 key(s), a fine-tuned"
                        + " classifier's head"),
                t.err());

        Path steps = dir.resolve("steps.safetensors");
        ok("steps", "--config", config, "--weights", weights.toString(), "--batch", batch.toString(), "--steps", "2",
                "--lr",
                "1e-3", "--out", steps.toString());
        Path stepsPth = dir.resolve("steps.pth.safetensors");
        ok("steps", "--config", config, "--weights", official.toString(), "--batch", batch.toString(), "--steps", "2",
                "--lr",
                "1e-3", "--out", stepsPth.toString());
        assertSameTensors(steps, stepsPth);

        // the args of the official file name no model jmae has a preset for: --config is asked for, by name
        Outcome noConfig = run("forward", "--weights", official.toString(), "--batch", batch.toString(), "--out",
                dir.resolve("x.safetensors").toString());
        assertEquals(2, noConfig.code(), noConfig.err());
        assertTrue(noConfig.err().contains("args.model = 'micro_crossmae', which is not an official pretraining model")
                && noConfig.err().contains("hint: pass --config"), noConfig.err());
    }

    /** The fixture comes from the tensor test-jar, so it is copied out of the jar first. */
    private Path fixture(String name) throws Exception {
        Path file = dir.resolve(name);
        try (InputStream in = PthCommandsTest.class.getResourceAsStream("/io/torch/" + name)) {
            Files.copy(in, file);
        }
        return file;
    }

    @Test
    void thePyTorchFixtureForwardsLikeItsFloat32TwinAndAPickleThatRunsCodeIsRefused() throws Exception {
        Path pth = fixture("official_tiny.pth");
        Path twin = fixture("official_tiny.f32.safetensors");
        Path config = dir.resolve("micro.json");
        try (dev.jmae.tensor.io.SafetensorsFile f = Safetensors.open(twin)) {
            Files.writeString(config, f.metadata().get("config"));
        }
        Generator g = new Generator(3);
        Path batch = dir.resolve("batch.safetensors");
        Safetensors.write(batch, Map.of("images", Tensor.randn(g, 2, 3, 8, 8), "noise", Tensor.rand(g, 2, 4)),
                Map.of());
        Path a = dir.resolve("twin.out.safetensors");
        // the twin carries its config: no --config needed
        ok("forward", "--weights", twin.toString(), "--batch", batch.toString(), "--out", a.toString());
        Path b = dir.resolve("pth.out.safetensors");
        ok("forward", "--config", config.toString(), "--weights", pth.toString(), "--batch", batch.toString(),
                "--out", b.toString());
        assertSameTensors(a, b);
        assertTrue(Float.isFinite(Safetensors.read(b).get("loss").item()));

        Path marker = Path.of("/tmp/jmae-pickle-ran");
        Files.deleteIfExists(marker);
        Path out = dir.resolve("never.safetensors");
        Outcome evil = run("forward", "--config", config.toString(), "--weights",
                fixture("malicious_os_system.pth").toString(),
                "--batch", batch.toString(), "--out", out.toString());
        assertEquals(2, evil.code(), evil.err());
        assertTrue(evil.err().contains("os.system"), evil.err());
        assertFalse(Files.exists(marker) || Files.exists(out), "nothing ran, nothing was written");
    }

    @Test
    void reconstructProbeFinetuneAndLinprobeTakeAPth() throws Exception {
        Path data = TinyRuns.dataset(dir);
        Path ckpt = TinyRuns.pretrainCheckpoint(dir, data, "crossmae");
        Path pth = TorchFiles.official(dir.resolve("tiny.pth"), Checkpoint.read(ckpt).model(), Map.of("model", "tiny"));
        Configs.Config c = TinyRuns.config(data, "");
        Path config = dir.resolve("tiny.json");
        Files.writeString(config, c.model().toJson().setAll(c.train().toJson()).toString());

        String fromSt = ok("reconstruct", "--checkpoint", ckpt.toString(), "--out", dir.resolve("a.png").toString(),
                "--count",
                "4").out();
        String fromPth = ok("reconstruct", "--checkpoint", pth.toString(), "--config", config.toString(), "--out",
                dir.resolve("b.png").toString(), "--count", "4").out();
        assertEquals(psnrLines(fromSt, ckpt), psnrLines(fromPth, pth));
        assertArrayEquals(Files.readAllBytes(dir.resolve("a.png")), Files.readAllBytes(dir.resolve("b.png")));

        String probeSt = ok("probe", "--checkpoint", ckpt.toString(), "--epochs", "1").out();
        String probePth = ok("probe", "--checkpoint", pth.toString(), "--config", config.toString(), "--epochs", "1")
                .out();
        assertEquals(accuracyLines(probeSt), accuracyLines(probePth));
        assertEquals(2, accuracyLines(probePth).size(), probePth);

        for (Recipe r : List.of(Recipe.FINETUNE, Recipe.LINPROBE)) {
            Path cfg = dir.resolve(r.command() + ".json");
            Files.writeString(cfg, Configs.prettyJson(TinyRuns.finetuneConfig(data, r, "").toJson()));
            Path runSt = dir.resolve(r.command() + "-st");
            Path runPth = dir.resolve(r.command() + "-pth");
            ok(r.command(), "--checkpoint", ckpt.toString(), "--config", cfg.toString(), "--epochs", "1", "--out",
                    runSt.toString(), "--no-progress");
            Outcome o = ok(r.command(), "--checkpoint", pth.toString(), "--config", cfg.toString(), "--epochs", "1",
                    "--out",
                    runPth.toString(), "--no-progress");
            assertTrue(o.out().contains("encoder from " + pth), o.out());
            Map<String, Tensor> a = Checkpoint.read(runSt.resolve("checkpoint-last.safetensors")).model();
            Map<String, Tensor> b = Checkpoint.read(runPth.resolve("checkpoint-last.safetensors")).model();
            assertEquals(a.keySet(), b.keySet());
            for (String k : a.keySet()) {
                assertArrayEquals(a.get(k).toArray(), b.get(k).toArray(), r.command() + " " + k);
            }
        }
    }

    private static List<String> psnrLines(String out, Path file) {
        return out.lines().filter(l -> l.contains("PSNR")).map(l -> l.replace(file.toString(), "FILE")).toList();
    }

    private static List<String> accuracyLines(String out) {
        return out.lines().filter(l -> l.startsWith("linear probe") || l.startsWith("k-NN")).toList();
    }

    @Test
    void pretrainResumeGivenAPthSaysWhyItCannotContinueOne() throws Exception {
        Path data = TinyRuns.dataset(dir);
        Path ckpt = TinyRuns.pretrainCheckpoint(dir, data, "crossmae");
        Path pth = TorchFiles.official(dir.resolve("tiny.pth"), Checkpoint.read(ckpt).model(), Map.of("model", "tiny"));
        Outcome o = run("pretrain", "--resume", pth.toString());
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("--resume " + pth + " is a file, but --resume continues a jmae run directory")
                && o.err().contains("a PyTorch checkpoint cannot resume a jmae run")
                && o.err().contains("jmae convert"),
                o.err());
        // a run directory's checkpoint given as --resume points at the directory
        Path runDir = dir.resolve("run");
        Pretrainer.create(TinyRuns.config(data, "\"epochs\": 1"), runDir, Device.CPU, dir, TinyRuns.QUIET, false).run();
        Outcome file = run("pretrain", "--resume", runDir.resolve("checkpoint-last.safetensors").toString());
        assertEquals(2, file.code(), file.err());
        assertTrue(file.err().contains("; hint: --resume " + runDir), file.err());
    }
}
