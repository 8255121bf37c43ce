package dev.jmae.nn.parallel;

import dev.jmae.autograd.GradHooks;
import dev.jmae.autograd.Variable;
import dev.jmae.distributed.SingleProcessGroup;
import dev.jmae.nn.GELU;
import dev.jmae.nn.Linear;
import dev.jmae.nn.Losses;
import dev.jmae.nn.Module;
import dev.jmae.nn.Parameter;
import dev.jmae.nn.Sequential;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DistributedDataParallel on the single-process group: buckets, hooks, no_sync, unused parameters. */
class DistributedDataParallelTest {

    /** fc1 (8 -> 16), GELU, fc2 (16 -> 4): weights 512 and 256 bytes, biases 64 and 16 bytes. */
    private static Sequential mlp(long seed) {
        Generator g = new Generator(seed);
        return new Sequential(new Linear(8, 16, true, g, Device.CPU), new GELU(),
                new Linear(16, 4, true, g, Device.CPU));
    }

    private static Variable loss(Module model, long seed) {
        Generator g = new Generator(seed);
        Variable x = Variable.constant(Tensor.randn(g, 5, 8));
        return Losses.mse(((Sequential) model).forward(x), Tensor.randn(g, 5, 4));
    }

    private static Map<String, float[]> grads(Module m) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        m.namedParameters().forEach((k, p) -> out.put(k, p.grad() == null ? null : p.grad().toArray()));
        return out;
    }

    @Test
    void bucketAssignmentIsPyTorchs() {
        // closes a bucket once it holds at least its cap; the first cap applies to bucket 0 only
        assertEquals(List.of(List.of(0), List.of(1, 2), List.of(3)),
                Reducer.assign(new long[] {16, 256, 64, 512}, 16, 300));
        assertEquals(List.of(List.of(0, 1, 2, 3)), Reducer.assign(new long[] {16, 256, 64, 512}, 1 << 20, 25 << 20));
        assertEquals(List.of(List.of(0), List.of(1), List.of(2)), Reducer.assign(new long[] {5, 5, 5}, 1, 1));
        assertEquals(List.of(), Reducer.assign(new long[0], 1, 1));
    }

    @Test
    void bucketsHoldParametersInReverseRegistrationOrder() {
        DistributedDataParallel.Options options = DistributedDataParallel.Options.defaults().withBucketCap(300)
                .withFirstBucketCap(16);
        try (var ddp = new DistributedDataParallel<>(mlp(1), new SingleProcessGroup(), options)) {
            assertEquals(List.of(List.of("2.bias"), List.of("2.weight", "0.bias"), List.of("0.weight")),
                    ddp.bucketParameterNames());
        }
        try (var ddp = new DistributedDataParallel<>(mlp(1), new SingleProcessGroup())) {
            assertEquals(List.of(List.of("2.bias", "2.weight", "0.bias", "0.weight")), ddp.bucketParameterNames());
        }
    }

    @Test
    void withOneRankGradientsAreThoseOfPlainBackwardBitForBit() {
        Sequential plain = mlp(2);
        loss(plain, 3).backward();
        DistributedDataParallel.Options options = DistributedDataParallel.Options.defaults().withBucketCap(300)
                .withFirstBucketCap(16);
        try (var ddp = new DistributedDataParallel<>(mlp(2), new SingleProcessGroup(), options)) {
            loss(ddp.module(), 3).backward();
            Map<String, float[]> expected = grads(plain);
            grads(ddp.module()).forEach((k, v) -> assertArrayEquals(expected.get(k), v, k));
            StepStats s = ddp.lastStepStats();
            assertNotNull(s);
            assertEquals(3, s.buckets());
            assertEquals(4L * (16 * 8 + 16 + 4 * 16 + 4), s.bytes());
            assertEquals(3, s.bucketsLaunchedDuringBackward());
            assertTrue(s.hiddenNanos() <= s.allReduceNanos() && s.exposedNanos() >= 0, s.toString());
            assertEquals(1, ddp.syncedSteps());
        }
    }

    @Test
    void theFirstBucketIsLaunchedBeforeBackwardReachesTheFirstLayer() {
        // bucket 0: fc2's bias and weight (272 bytes >= 200); bucket 1: fc1's
        DistributedDataParallel.Options options = DistributedDataParallel.Options.defaults().withBucketCap(300)
                .withFirstBucketCap(200);
        try (var ddp = new DistributedDataParallel<>(mlp(4), new SingleProcessGroup(), options)) {
            assertEquals(List.of(List.of("2.bias", "2.weight"), List.of("0.bias", "0.weight")),
                    ddp.bucketParameterNames());
            Parameter firstWeight = ((Linear) ddp.module().children().get("0")).weight();
            long[] firstWeightReady = new long[1];
            GradHooks.RemovableHandle h = GradHooks.registerPostAccumulateGradHook(firstWeight,
                    v -> firstWeightReady[0] = System.nanoTime());
            try {
                loss(ddp.module(), 5).backward();
            } finally {
                h.remove();
            }
            StepStats s = ddp.lastStepStats();
            long[] launches = s.bucketLaunchNanos();
            // fc2's bucket goes out while backward still has fc1 (and GELU) to compute
            assertTrue(launches[0] < firstWeightReady[0],
                    java.util.Arrays.toString(launches) + " " + firstWeightReady[0]);
            assertTrue(launches[0] <= launches[1] && launches[1] <= s.computeEndNanos(),
                    java.util.Arrays.toString(launches));
        }
    }

    @Test
    void noSyncAccumulatesLocallyAndTheNextSyncedPassReducesTheSum() {
        Sequential plain = mlp(6);
        loss(plain, 7).backward();
        loss(plain, 8).backward();
        try (var ddp = new DistributedDataParallel<>(mlp(6), new SingleProcessGroup())) {
            try (var scope = ddp.noSync()) {
                assertTrue(!ddp.requiresGradSync());
                loss(ddp.module(), 7).backward();
            }
            assertTrue(ddp.requiresGradSync());
            assertEquals(0, ddp.syncedSteps(), "no communication inside noSync");
            assertNull(ddp.lastStepStats());
            loss(ddp.module(), 8).backward();
            assertEquals(1, ddp.syncedSteps());
            Map<String, float[]> expected = grads(plain);
            grads(ddp.module()).forEach((k, v) -> assertArrayEquals(expected.get(k), v, k));
        }
    }

    @Test
    void anUnusedParameterIsAnErrorUnlessAllowed() {
        Generator g = new Generator(9);
        Sequential withSpare = new Sequential(new Linear(8, 4, true, g, Device.CPU),
                new Linear(4, 4, true, g, Device.CPU));
        try (var ddp = new DistributedDataParallel<>(withSpare, new SingleProcessGroup())) {
            Variable out = ((Linear) withSpare.children().get("0")).forward(Variable.constant(Tensor.randn(g, 2, 8)));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> out.sum().backward());
            assertTrue(e.getMessage().startsWith("DistributedDataParallel: parameter '1.bias' received no gradient"),
                    e.getMessage());
        }
        for (Parameter p : withSpare.parameters()) {
            p.setGrad(null);
        }
        var options = DistributedDataParallel.Options.defaults().withFindUnusedParameters(true);
        try (var ddp = new DistributedDataParallel<>(withSpare, new SingleProcessGroup(), options)) {
            Variable out = ((Linear) withSpare.children().get("0")).forward(Variable.constant(Tensor.randn(g, 2, 8)));
            out.sum().backward();
            assertNotNull(withSpare.namedParameters().get("0.weight").grad());
            assertNull(withSpare.namedParameters().get("1.weight").grad(), "unused on every rank: no gradient");
        }
    }

    @Test
    void afterCloseBackwardNoLongerSynchronizes() {
        var ddp = new DistributedDataParallel<>(mlp(10), new SingleProcessGroup());
        loss(ddp.module(), 11).backward();
        ddp.close();
        loss(ddp.module(), 11).backward();
        assertEquals(1, ddp.syncedSteps());
    }

    @Test
    void aModuleWithoutTrainableParametersIsRefused() {
        Sequential frozen = mlp(12);
        frozen.parameters().forEach(p -> p.setRequiresGrad(false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DistributedDataParallel<>(frozen, new SingleProcessGroup()));
        assertEquals("DistributedDataParallel: the module has no parameter that requires a gradient", e.getMessage());
    }
}
