package dev.jmae.nn.parallel;

import dev.jmae.distributed.testing.MpiLauncher;
import dev.jmae.distributed.testing.MpiLauncher.Result;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DDP on two ranks ({@code mpirun -np 2}, one thread each): replicas initialized differently
 * start equal; two ranks with different halves of a batch get the gradient of the whole batch;
 * noSync accumulation; replicas stay bit-identical through optimizer steps.
 *
 * <p>Tolerance: DDP sums each gradient element's per-sample terms in a different order (4 + 4
 * per rank, then (a + b) / 2) than one process (8 at once). Reassociating a float32 sum of terms
 * t_i changes it by at most about depth · u · Σ|t_i| (u = 2^-24); the worker computes Σ|t_i|
 * elementwise from per-sample backward passes and reports max |Δ| / (64 u Σ|t_i|), which must be
 * at most 1 (the depth, batch plus inner reductions over at most 32 hidden units, is below 64).
 */
class DistributedDataParallelMpiTest {

    @Test
    void twoRanksComputeTheGradientOfTheConcatenatedBatch() {
        Result r = MpiLauncher.run(2, DdpWorker.class, Duration.ofSeconds(180), "ddp");
        assertEquals(0, r.exitCode(), r.output());
        for (int rank = 0; rank < 2; rank++) {
            assertEquals("true", r.value(rank, "broadcastEqual"), "rank 1 starts from rank 0's parameters");
            // 5 layers, weights 12x32, 32x32, 32x6 and their biases; first bucket closes at 512 bytes, then 2048
            assertEquals("[[4.bias, 4.weight], [2.bias, 2.weight], [0.bias, 0.weight]]", r.value(rank, "buckets"));
            double grad = Double.parseDouble(r.value(rank, "gradRatio"));
            assertTrue(grad <= 1, "gradient differs from the whole-batch gradient beyond the bound: ratio " + grad);
            assertEquals("true", r.value(rank, "gradsIdenticalAcrossRanks"));
            assertEquals("0", r.value(rank, "syncedInsideNoSync"));
            assertEquals("1", r.value(rank, "syncedAfterNoSync"));
            double accum = Double.parseDouble(r.value(rank, "accumRatio"));
            assertTrue(accum <= 1, "accumulated gradient beyond the bound: ratio " + accum);
            assertEquals("true", r.value(rank, "replicasIdentical"));
            assertTrue(r.value(rank, "stats").startsWith("StepStats(3 buckets, "), r.value(rank, "stats"));
        }
    }
}
