package dev.jmae.tensor;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The heap array cache: what is reused, what is not, NaN filling, and release happening once. */
class HeapArrayPoolTest {

    @Test
    void givenArrayIsTakenByTheNextRequestOfItsLengthOnly() {
        HeapArrayPool pool = new HeapArrayPool(16, false);
        float[] a = pool.take(32);
        a[5] = 7f;
        pool.give(a);
        assertNotSame(a, pool.take(33), "another length");
        float[] b = pool.take(32);
        assertSame(a, b);
        assertEquals(7f, b[5], "a reused array keeps its values when not filling");
        assertNotSame(a, pool.take(32), "handed out once");
    }

    @Test
    void shortArraysAreNotKept() {
        HeapArrayPool pool = new HeapArrayPool(16, false);
        float[] a = pool.take(15);
        pool.give(a);
        assertNotSame(a, pool.take(15));
        assertEquals(0, pool.cachedBytes());
        HeapArrayPool off = new HeapArrayPool(Integer.MAX_VALUE, false);
        float[] big = off.take(1 << 16);
        off.give(big);
        assertNotSame(big, off.take(1 << 16), "a pool that keeps nothing");
    }

    @Test
    void lastGivenIsTakenFirst() {
        HeapArrayPool pool = new HeapArrayPool(16, false);
        float[] a = pool.take(64);
        float[] b = pool.take(64);
        pool.give(a);
        pool.give(b);
        assertSame(b, pool.take(64));
        assertSame(a, pool.take(64));
    }

    @Test
    void fillingMakesNewAndReusedArraysNaN() {
        HeapArrayPool pool = new HeapArrayPool(16, true);
        float[] a = pool.take(40);
        for (float v : a) {
            assertTrue(Float.isNaN(v), "new array");
        }
        java.util.Arrays.fill(a, 3f);
        pool.give(a);
        float[] b = pool.take(40);
        assertSame(a, b);
        for (float v : b) {
            assertTrue(Float.isNaN(v), "reused array");
        }
        float[] small = pool.take(3);
        assertTrue(Float.isNaN(small[0]) && Float.isNaN(small[2]), "arrays too short to keep are filled too");
    }

    @Test
    void cachedBytesCountsKeptArraysAndClearDropsThem() {
        HeapArrayPool pool = new HeapArrayPool(16, false);
        float[] a = pool.take(100);
        pool.give(a);
        pool.give(pool.take(50));
        assertEquals(600, pool.cachedBytes());
        pool.clear();
        assertEquals(0, pool.cachedBytes());
        assertNotSame(a, pool.take(100));
    }

    @Test
    void rejectsAMinimumBelowOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HeapArrayPool(0, false));
        assertTrue(e.getMessage().contains("minFloats >= 1, got 0"), e.getMessage());
    }

    @Test
    void releasedHeapStorageGivesItsArrayToTheNextStorageOfItsSize() {
        MemoryStats stats = new MemoryStats();
        int n = 7919;  // a length no other test allocates, so no other storage takes the array first
        HeapStorage first = new HeapStorage(Device.CPU, n, stats);
        float[] array = first.data();
        first.release();
        assertThrows(IllegalStateException.class, first::data);
        assertTrue(HeapStorage.cachedBytes() >= 4L * n);
        HeapStorage second = new HeapStorage(Device.CPU, n, stats);
        assertSame(array, second.data());
        second.release();
        HeapStorage.emptyCache();
        assertNotSame(array, new HeapStorage(Device.CPU, n, stats).data(), "emptyCache dropped it");
    }

    @Test
    void storagesReleasedByAScopeAreReusedInTheNextScope() {
        float[] array;
        try (TensorScope s = TensorScope.open()) {
            array = CpuArrays.of(Tensor.ones(Device.CPU, 89, 97));
        }
        try (TensorScope s = TensorScope.open()) {
            assertSame(array, CpuArrays.of(Tensor.empty(Device.CPU, 97, 89)), "same element count, other shape");
        }
    }

    @Test
    void theTestSuiteRunsWithUninitializedMemoryFilledWithNaN() {
        assertTrue(Boolean.getBoolean("jmae.fillUninitializedMemory"),
                "the tests must run with -Djmae.fillUninitializedMemory=true (surefire in pom.xml), so that a kernel"
                        + " reading an output element it never wrote fails them");
        for (float v : Tensor.empty(Device.CPU, 3, 5).toArray()) {
            assertTrue(Float.isNaN(v));
        }
    }

    @Test
    void concurrentReleasesDropTheReferencesOnce() throws Exception {
        MemoryStats stats = new MemoryStats();
        CyclicBarrier start = new CyclicBarrier(2);
        for (int round = 0; round < 500; round++) {
            AtomicInteger drops = new AtomicInteger();
            Storage s = new Storage(Device.CPU, 8, stats, null) {
                @Override
                protected void dropReferences() {
                    drops.incrementAndGet();
                }
            };
            Thread other = new Thread(() -> {
                await(start);
                s.release();
            });
            other.start();
            await(start);
            s.release();
            other.join();
            assertEquals(1, drops.get(), "round " + round);
        }
        assertEquals(0, stats.liveBytes());
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The backing array of a contiguous heap tensor (test access). */
    private static final class CpuArrays {
        static float[] of(Tensor t) {
            return ((HeapStorage) t.storage()).data();
        }
    }
}
