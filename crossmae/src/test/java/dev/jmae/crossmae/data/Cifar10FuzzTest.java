package dev.jmae.crossmae.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jmae.tensor.testing.FuzzChecks;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fuzzes the CIFAR-10 binary batch reader. Only {@link DatasetException} may escape, and the
 * allocation stays within 1 MiB + 8 bytes per input byte. Inputs:
 * {@code Cifar10FuzzTestInputs/cifarBatch/}; long runs: docs/fuzzing.md.
 */
class Cifar10FuzzTest {

    static {
        FuzzChecks.warmUp(Cifar10FuzzTest.class, "cifarBatch", input -> new Cifar10FuzzTest().cifarBatch(input));
    }

    @FuzzTest(maxDuration = "2s")
    @Timeout(10)
    void cifarBatch(byte[] input) throws Throwable {
        Path file = FuzzChecks.scratch().resolve("data_batch_1.bin");
        Files.write(file, input);
        FuzzChecks.check(input.length, 1L << 20, 8, () -> DatasetFuzzing.touch(Cifar10Dataset.open(List.of(file))),
                DatasetException.class);
    }
}
