package dev.jmae.tensor.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.testing.FuzzChecks;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzzes the safetensors reader with whole files: opening validates the header, then every
 * tensor is read. Only {@link SafetensorsException} may escape, and the allocation stays within
 * 2 MiB + 64 bytes per input byte (a header's JSON tree, tensors converted to float32).
 * Inputs: {@code SafetensorsFuzzTestInputs/safetensorsFile/}; long runs: docs/fuzzing.md.
 */
class SafetensorsFuzzTest {

    static {
        FuzzChecks.warmUp(SafetensorsFuzzTest.class, "safetensorsFile",
                input -> new SafetensorsFuzzTest().safetensorsFile(input));
    }

    @FuzzTest(maxDuration = "2s")
    @Timeout(10)
    void safetensorsFile(byte[] input) throws Throwable {
        Path file = FuzzChecks.scratch().resolve("input.safetensors");
        Files.write(file, input);
        FuzzChecks.check(input.length, 2L << 20, 64, () -> {
            try (SafetensorsFile f = Safetensors.open(file)) {
                f.metadata();
                for (String name : f.names()) {
                    f.shape(name);
                    f.dtype(name);
                    f.tensor(name, Device.REFERENCE);
                }
            }
        }, SafetensorsException.class);
    }
}
