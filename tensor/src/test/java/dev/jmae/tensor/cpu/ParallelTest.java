package dev.jmae.tensor.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
