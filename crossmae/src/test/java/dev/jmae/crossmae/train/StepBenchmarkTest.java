package dev.jmae.crossmae.train;

import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.tensor.Device;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link StepBenchmark}: the warm-up that waits for the JIT compiler, and the measurements it returns. */
class StepBenchmarkTest {

    private static final ModelConfig TINY = TinyRuns.config(Path.of("unused"), "").model();

    /** A step is quiet when compilation took at most 2% of its wall time, the boundary included. */
    @Test
    void aStepIsQuietUpToTwoPercentOfItsTimeInTheCompiler() {
        long second = 1_000_000_000L;
        assertTrue(StepBenchmark.isQuiet(0, second));
        assertTrue(StepBenchmark.isQuiet(20, second));
        assertFalse(StepBenchmark.isQuiet(21, second));
        assertFalse(StepBenchmark.isQuiet(1, 10_000_000L));
        assertTrue(StepBenchmark.isQuiet(0, 0));
    }

    @Test
    void aFixedWarmupRunsExactlyTheRequestedSteps() {
        for (int warmup : new int[] {0, 1, 3}) {
            StepBenchmark r = StepBenchmark.run(TINY, 4, warmup, warmup, 2, Device.CPU);
            assertEquals(warmup, r.warmupSteps(), "warmup " + warmup);
            assertTrue(r.imagesPerSecond() > 0 && r.stepsPerSecond() > 0, r.toString());
            assertEquals(4 * r.stepsPerSecond(), r.imagesPerSecond(), 1e-9 * r.imagesPerSecond());
            assertTrue(r.peakStepBytes() > 0 && r.stateBytes() > 0, r.toString());
        }
    }

    /**
     * Past the requested steps, warm-up goes on until a step is quiet or the limit is reached: it
     * never stops early on a busy step, and never runs past the limit.
     */
    @Test
    void anAdaptiveWarmupStopsAtAQuietStepOrTheLimit() {
        int limit = 12;
        StepBenchmark r = StepBenchmark.run(TINY, 4, 2, limit, 1, Device.CPU);
        assertTrue(r.warmupSteps() >= 2 && r.warmupSteps() <= limit, r.toString());
        assertTrue(r.jitQuiet() || r.warmupSteps() == limit, "stopped on a busy step before the limit: " + r);
    }
}
