package dev.jmae.tensor.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The thread pool covers every index exactly once, propagates failures and tolerates nesting. */
class ParallelTest {

    @Test
    void forRangeAndForTasksVisitEveryIndexOnce() {
        for (int n : new int[] {1, 2, 7, 1000, 100_003}) {
            AtomicIntegerArray hits = new AtomicIntegerArray(n);
            Parallel.forRange(n, 1, (s, e) -> {
                for (int i = s; i < e; i++) {
                    hits.incrementAndGet(i);
                }
            });
            AtomicIntegerArray tasks = new AtomicIntegerArray(n);
            Parallel.forTasks(n, tasks::incrementAndGet);
            for (int i = 0; i < n; i++) {
                assertEquals(1, hits.get(i), "forRange index " + i + " of " + n);
                assertEquals(1, tasks.get(i), "forTasks index " + i + " of " + n);
            }
        }
    }

    /**
     * forRange's ranges: at least minChunk long (unless n is smaller), CHUNKS_PER_THREAD per thread
     * when n allows, and when there are more than threads, a multiple of the thread count.
     */
    @Test
    void forRangeSplitsIntoMinChunkRangesAMultipleOfTheThreads() {
        int threads = Parallel.threads();
        for (int[] c : new int[][] {{10, 100}, {300, 100}, {1000, 100}, {100_003, 7}, {5, 1}, {2048, 655}}) {
            int n = c[0];
            int minChunk = c[1];
            java.util.List<int[]> ranges = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            Parallel.forRange(n, minChunk, (s, e) -> ranges.add(new int[] {s, e}));
            int count = ranges.size();
            String at = "n " + n + ", minChunk " + minChunk + ", " + threads + " threads: " + count + " ranges";
            long most = Math.max(1, n / minChunk);
            assertTrue(count <= most && count <= threads * Parallel.CHUNKS_PER_THREAD, at);
            if (most < threads) {
                assertEquals(most, count, at);
            } else if (most >= (long) threads * Parallel.CHUNKS_PER_THREAD) {
                assertEquals(threads * Parallel.CHUNKS_PER_THREAD, count, at);
            } else {
                assertTrue(count >= threads && count % threads == 0, at);
            }
            for (int[] r : ranges) {
                assertTrue(r[1] - r[0] >= Math.min(n, minChunk), at + ", range " + r[0] + ".." + r[1]);
            }
        }
    }

    @Test
    void nestedCallsRunSeriallyWithoutDeadlock() {
        AtomicIntegerArray hits = new AtomicIntegerArray(64);
        Parallel.forTasks(8, outer -> Parallel.forTasks(8, inner -> hits.incrementAndGet(outer * 8 + inner)));
        for (int i = 0; i < 64; i++) {
            assertEquals(1, hits.get(i));
        }
    }

    @Test
    void exceptionsReachTheCaller() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forTasks(100, i -> {
            if (i == 57) {
                throw new IllegalStateException("task 57 failed");
            }
        }));
        assertEquals("task 57 failed", e.getMessage());
        // the pool is usable afterwards
        AtomicIntegerArray hits = new AtomicIntegerArray(10);
        Parallel.forTasks(10, hits::incrementAndGet);
        assertEquals(1, hits.get(9));
    }
}
