package dev.jmae.crossmae.data;

import dev.jmae.tensor.Generator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DistributedSamplerTest {

    private static List<List<Integer>> shards(int n, int replicas, boolean dropLast, IntFunction<int[]> order,
                                              int epoch) {
        List<List<Integer>> out = new ArrayList<>();
        for (int r = 0; r < replicas; r++) {
            out.add(Arrays.stream(new DistributedSampler(n, replicas, r, order, dropLast).indices(epoch)).boxed()
                    .toList());
        }
        return out;
    }

    /** A seeded Fisher-Yates permutation per epoch, standing in for DataLoader.order. */
    private static IntFunction<int[]> shuffled(int n, long seed) {
        return epoch -> {
            int[] order = DistributedSampler.sequentialOrder(n).apply(epoch);
            Generator g = new Generator(seed * 1000 + epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = g.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            return order;
        };
    }

    @Test
    void matchesPyTorchsShardsPaddingAndDropLast() {
        // expected lists printed by torch 1.13's DistributedSampler(range(n), num_replicas, rank,
        // shuffle=False, drop_last) for each rank
        assertEquals(List.of(List.of(0, 3, 6, 9), List.of(1, 4, 7, 0), List.of(2, 5, 8, 1)),
                shards(10, 3, false, DistributedSampler.sequentialOrder(10), 0));
        assertEquals(List.of(List.of(0, 3, 6), List.of(1, 4, 7), List.of(2, 5, 8)),
                shards(10, 3, true, DistributedSampler.sequentialOrder(10), 0));
        assertEquals(List.of(List.of(0), List.of(1), List.of(0), List.of(1), List.of(0)),
                shards(2, 5, false, DistributedSampler.sequentialOrder(2), 0));
        assertEquals(List.of(List.of(0, 2, 4, 6), List.of(1, 3, 5, 0)),
                shards(7, 2, false, DistributedSampler.sequentialOrder(7), 0));
        assertEquals(List.of(List.of(0, 2, 4), List.of(1, 3, 5)),
                shards(7, 2, true, DistributedSampler.sequentialOrder(7), 0));
        assertEquals(List.of(List.of(0, 2, 4, 6), List.of(1, 3, 5, 7)),
                shards(8, 2, false, DistributedSampler.sequentialOrder(8), 0));
        DistributedSampler s = new DistributedSampler(10, 3, 0, DistributedSampler.sequentialOrder(10), false);
        assertEquals(4, s.numSamples());
        assertEquals(12, s.totalSize());
        assertEquals(4, s.numRealSamples());
        // ranks 1 and 2 end with one padded index each (0 and 1 again)
        assertEquals(3,
                new DistributedSampler(10, 3, 1, DistributedSampler.sequentialOrder(10), false).numRealSamples());
        assertEquals(3,
                new DistributedSampler(10, 3, 2, DistributedSampler.sequentialOrder(10), false).numRealSamples());
        assertEquals(0, new DistributedSampler(2, 5, 3, DistributedSampler.sequentialOrder(2), false).numRealSamples());
        assertArrayEquals(new int[] {1, 4, 7}, DistributedSampler.globalBatchRows(1, 3, 3));
    }

    @Test
    void shardsOfAShuffledEpochAreDisjointAndCoverIt() {
        int n = 103;
        IntFunction<int[]> order = shuffled(n, 5);
        for (int epoch = 0; epoch < 3; epoch++) {
            List<List<Integer>> parts = shards(n, 4, true, order, epoch);
            boolean[] seen = new boolean[n];
            int count = 0;
            for (List<Integer> part : parts) {
                assertEquals(25, part.size(), "ceil((103 - 4) / 4)");
                for (int i : part) {
                    assertFalse(seen[i], "index " + i + " in two shards");
                    seen[i] = true;
                    count++;
                }
            }
            assertEquals(100, count);
        }
        assertFalse(shards(n, 4, true, order, 0).equals(shards(n, 4, true, order, 1)), "a new order each epoch");
    }

    @Test
    void ranksLocalBatchesMakeUpTheSingleProcessGlobalBatch() {
        int n = 40;
        int globalBatch = 8;
        int replicas = 4;
        IntFunction<int[]> order = shuffled(n, 6);
        int[] single = order.apply(2);
        int local = globalBatch / replicas;
        for (int k = 0; k < n / globalBatch; k++) {
            List<Integer> union = new ArrayList<>();
            for (int r = 0; r < replicas; r++) {
                int[] mine = new DistributedSampler(n, replicas, r, order, false).indices(2);
                for (int i = k * local; i < (k + 1) * local; i++) {
                    union.add(mine[i]);
                }
            }
            int[] rows0 = DistributedSampler.globalBatchRows(0, replicas, local);
            int[] mine0 = new DistributedSampler(n, replicas, 0, order, false).indices(2);
            for (int j = 0; j < local; j++) {
                assertEquals(single[k * globalBatch + rows0[j]], mine0[k * local + j], "rank 0's row " + j);
            }
            int[] got = union.stream().mapToInt(Integer::intValue).sorted().toArray();
            int[] want = Arrays.copyOfRange(single, k * globalBatch, (k + 1) * globalBatch);
            Arrays.sort(want);
            assertArrayEquals(want, got, "global batch " + k);
        }
    }

    @Test
    void rejectsBadArgumentsAndBadOrders() {
        assertThrows(IllegalArgumentException.class,
                () -> new DistributedSampler(10, 2, 2, DistributedSampler.sequentialOrder(10), false));
        assertThrows(IllegalArgumentException.class,
                () -> new DistributedSampler(0, 2, 0, DistributedSampler.sequentialOrder(0), false));
        IllegalArgumentException tooFew = assertThrows(IllegalArgumentException.class,
                () -> new DistributedSampler(3, 4, 0, DistributedSampler.sequentialOrder(3), true));
        assertEquals("DistributedSampler: dropLast with 3 samples over 4 ranks leaves no sample per rank;"
                + " hint: use fewer ranks or dropLast false", tooFew.getMessage());
        IllegalStateException wrong = assertThrows(IllegalStateException.class,
                () -> new DistributedSampler(5, 2, 0, e -> new int[4], false).indices(0));
        assertEquals("DistributedSampler: the epoch order of epoch 0 has 4 indices, expected the dataset size 5",
                wrong.getMessage());
        assertThrows(IllegalStateException.class,
                () -> new DistributedSampler(2, 1, 0, e -> new int[] {0, 9}, false).indices(0));
    }
}
