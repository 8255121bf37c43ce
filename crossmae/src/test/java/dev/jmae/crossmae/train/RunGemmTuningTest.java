package dev.jmae.crossmae.train;

import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.cpu.GemmTuning;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17: a run records the {@code cpu} GEMM tuning it trains with in its directory
 * ({@value RunSetup#GEMM_TUNING_FILE}), and {@code --resume} installs that tuning before the first
 * product, so a resumed run computes with the same K strips (the same bits) as the run it
 * continues even where this machine's own tuning is another one.
 */
class RunGemmTuningTest {

    @TempDir
    Path dir;

    /** Test JVMs pin the default tuning (pom.xml); a test that installs another puts it back. */
    @AfterEach
    void restoreDefault() {
        GemmTuning.install(GemmTuning.DEFAULT);
    }

    @Test
    void aRunRecordsItsTuningAndAResumeInstallsTheRecordedOne() throws Exception {
        Path data = TinyRuns.dataset(dir);
        Path runDir = dir.resolve("run");
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        Pretrainer.create(TinyRuns.config(data, "\"epochs\": 1"), runDir, Device.CPU, dir,
                new PrintStream(first, true, StandardCharsets.UTF_8), false).run();
        Path file = runDir.resolve(RunSetup.GEMM_TUNING_FILE);
        assertEquals(GemmTuning.current().spec(), Files.readString(file).strip());
        assertTrue(first.toString(StandardCharsets.UTF_8).contains("cpu GEMM tuning: " + GemmTuning.current().spec()),
                first.toString(StandardCharsets.UTF_8));

        // as if the run had started on a machine whose search chose other strips and tile
        GemmTuning other = GemmTuning.parse("tile=8x2 kc=256/128 bblock=65536 ablock=1048576 tasks=2 tinplace=0");
        Files.writeString(file, other.spec() + "\n");
        ByteArrayOutputStream resumed = new ByteArrayOutputStream();
        Pretrainer.resume(runDir, Map.of("epochs", "2"), Device.CPU, dir,
                new PrintStream(resumed, true, StandardCharsets.UTF_8),
                false, Ranks.single()).run();
        assertEquals(other, GemmTuning.current());
        assertTrue(resumed.toString(StandardCharsets.UTF_8)
                .contains("cpu GEMM tuning recorded by the run (gemm-tuning.txt): "
                        + other.spec()),
                resumed.toString(StandardCharsets.UTF_8));
        assertEquals(other.spec(), Files.readString(file).strip(), "a resume keeps the record as it is");
    }

    @Test
    void anUnreadableRecordIsRefusedNamingTheFileAndNothingIsTrained() throws Exception {
        Path data = TinyRuns.dataset(dir);
        Path runDir = dir.resolve("run");
        Pretrainer.create(TinyRuns.config(data, "\"epochs\": 1"), runDir, Device.CPU, dir, TinyRuns.QUIET, false).run();
        RunDirectory run = new RunDirectory(runDir);
        byte[] checkpoint = Files.readAllBytes(run.lastCheckpoint());
        Path file = runDir.resolve(RunSetup.GEMM_TUNING_FILE);
        Files.writeString(file, "tile=9x9 kc=800/512\n");
        ConfigException e = assertThrows(ConfigException.class, () -> Pretrainer.resume(runDir, Map.of("epochs", "2"),
                Device.CPU, dir, TinyRuns.QUIET, false, Ranks.single()).run());
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("does not hold a GEMM tuning")
                && e.getMessage().contains("hint: delete the file"), e.getMessage());
        assertEquals(GemmTuning.DEFAULT, GemmTuning.current());
        assertTrue(java.util.Arrays.equals(checkpoint, Files.readAllBytes(run.lastCheckpoint())),
                "the checkpoint is untouched");
    }
}
