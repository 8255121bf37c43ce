package dev.jmae.tensor.io.torch;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jmae.tensor.testing.FuzzChecks;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzzes the .pth reader with whole files (zip structure, entries, byte order, legacy and
 * TorchScript detection); the property is {@link CheckpointFuzzing}'s. Inputs:
 * {@code PthArchiveFuzzTestInputs/pthArchive/}; long runs: docs/fuzzing.md.
 */
class PthArchiveFuzzTest {

    static {
        FuzzChecks.warmUp(PthArchiveFuzzTest.class, "pthArchive", input -> new PthArchiveFuzzTest().pthArchive(input));
    }

    @FuzzTest(maxDuration = "2s")
    @Timeout(10)
    void pthArchive(byte[] input) throws Throwable {
        Path file = FuzzChecks.scratch().resolve("archive.pth");
        Files.write(file, input);
        FuzzChecks.check(input.length, CheckpointFuzzing.BASE_BYTES, CheckpointFuzzing.BYTES_PER_INPUT_BYTE,
                () -> CheckpointFuzzing.readEverything(file), TorchCheckpointException.class);
    }
}
