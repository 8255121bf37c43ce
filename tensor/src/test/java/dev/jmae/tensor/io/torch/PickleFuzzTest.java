package dev.jmae.tensor.io.torch;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jmae.tensor.testing.FuzzChecks;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

/**
 * Fuzzes the pickle interpreter: the input becomes the {@code data.pkl} of a well-formed archive
 * that also holds {@link CheckpointFuzzing#STORAGES}, so rebuilt tensors can be read; the property
 * is {@link CheckpointFuzzing}'s. Inputs: {@code PickleFuzzTestInputs/pickle/}; long runs:
 * docs/fuzzing.md.
 */
class PickleFuzzTest {

    static {
        FuzzChecks.warmUp(PickleFuzzTest.class, "pickle", input -> new PickleFuzzTest().pickle(input));
    }

    @FuzzTest(maxDuration = "2s")
    @Timeout(10)
    void pickle(byte[] input) throws Throwable {
        Path file = PickleBytes.archive(FuzzChecks.scratch().resolve("pickle.pth"), input, CheckpointFuzzing.STORAGES,
                false);
        FuzzChecks.check(input.length, CheckpointFuzzing.BASE_BYTES, CheckpointFuzzing.BYTES_PER_INPUT_BYTE,
                () -> CheckpointFuzzing.readEverything(file), TorchCheckpointException.class);
    }
}
