package dev.jmae.crossmae.config;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.tensor.testing.FuzzChecks;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzzes config loading as {@code --config FILE} does it: {@link Configs#source} on a file, then
 * {@link Configs#resolve} for a training command and for a model-only one, and the resolved
 * config printed. Only {@link ConfigException} may escape, and the allocation stays within
 * 1 MiB + 256 bytes per input byte. Inputs: {@code ConfigFuzzTestInputs/configJson/}; long runs:
 * docs/fuzzing.md.
 */
class ConfigFuzzTest {

    static {
        FuzzChecks.warmUp(ConfigFuzzTest.class, "configJson", input -> new ConfigFuzzTest().configJson(input));
    }

    @FuzzTest(maxDuration = "2s")
    @Timeout(10)
    void configJson(byte[] input) throws Throwable {
        Path file = FuzzChecks.scratch().resolve("config.json");
        Files.write(file, input);
        FuzzChecks.check(input.length, 1L << 20, 256, () -> {
            ObjectNode json = Configs.source(file.toString());
            Configs.resolve(json.deepCopy(), false).toPrettyJson();
            Configs.resolve(json, true).toPrettyJson();
        }, ConfigException.class);
    }
}
