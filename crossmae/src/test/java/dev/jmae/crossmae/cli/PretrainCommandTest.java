package dev.jmae.crossmae.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jmae pretrain} refuses bad input with the promised messages, before training starts. */
class PretrainCommandTest {

    @TempDir
    Path dir;

    private record Result(int code, String err) {
    }

    private static Result run(String... args) {
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(new StringWriter()), new PrintWriter(err));
        return new Result(code, err.toString());
    }

    @Test
    void aMissingDatasetPathSaysHowToInstallFashionMnistAndWhatDataAccepts() {
        Path missing = dir.resolve("no-such-dataset");
        Result r = run("pretrain", "--data", missing.toString(), "--out", dir.resolve("run").toString(),
                "--no-progress");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains(missing.toString()), r.err());
        assertTrue(r.err().contains("apt-get install dataset-fashion-mnist"), r.err());
        assertTrue(r.err().contains("ImageFolder") && r.err().contains("CIFAR-10") && r.err().contains("IDX"), r.err());
    }

    @Test
    void aConfigWithAnUnknownKeyIsRefusedNamingTheKey() throws Exception {
        Path config = dir.resolve("c.json");
        Files.writeString(config, "{\"model\": \"crossmae\", \"img_size\": 28, \"patch_size\": 4, \"in_chans\": 1,"
                + " \"learning_rate\": 0.001}");
        Result r = run("pretrain", "--config", config.toString(), "--out", dir.resolve("run").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("learning_rate: unknown key"), r.err());
        assertTrue(r.err().contains("blr"), "the message lists the known keys: " + r.err());
        Result set = run("pretrain", "--set", "mask_ration=0.8", "--out", dir.resolve("run2").toString());
        assertEquals(2, set.code(), set.err());
        assertTrue(set.err().contains("mask_ration: unknown key"), set.err());
        assertFalse(Files.exists(dir.resolve("run2").resolve("config.json")),
                "nothing is written for a refused config");
    }

    @Test
    void resumeRefusesSettingsThatTheRunDefines() {
        Result r = run("pretrain", "--resume", dir.toString(), "--seed", "3");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err()
                .contains("only --set (for the keys that may change), --epochs, --device and --no-progress combine"
                        + " with --resume"),
                r.err());
        Result none = run("pretrain", "--resume", dir.resolve("nothing-here").toString());
        assertEquals(2, none.code(), none.err());
        assertTrue(none.err().contains("nothing-here: no such directory (expected a jmae run directory"), none.err());
        Result empty = run("pretrain", "--resume", dir.toString());
        assertEquals(2, empty.code(), empty.err());
        assertTrue(empty.err().contains("no config.json and checkpoint-last.safetensors"), empty.err());
    }

    @Test
    void anUnknownDeviceIsReportedWithTheKnownOnes() {
        Result r = run("pretrain", "--device", "tpu:0", "--out", dir.resolve("run").toString());
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("tpu") && r.err().contains("cpu"), r.err());
    }
}
