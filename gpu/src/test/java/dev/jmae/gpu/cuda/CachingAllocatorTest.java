package dev.jmae.gpu.cuda;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The caching allocator over a fake device memory with a capacity. */
class CachingAllocatorTest {

    /** Device memory with a capacity; records calls in order. */
    static final class FakeMemory implements CachingAllocator.DeviceMemory {
        final long capacity;
        long used;
        long next = 0x1000;
        final Map<Long, Long> blocks = new HashMap<>();
        final List<String> calls = new ArrayList<>();

        FakeMemory(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public long tryAllocate(long bytes) {
            calls.add("alloc " + bytes);
            if (used + bytes > capacity) {
                return 0;
            }
            long p = next;
            next += bytes + 256;
            used += bytes;
            blocks.put(p, bytes);
            return p;
        }

        @Override
        public void free(long pointer) {
            calls.add("free");
            used -= blocks.remove(pointer);
        }

        @Override
        public void synchronize() {
            calls.add("sync");
        }
    }

    @Test
    void sizeClassesRoundTo512ThenToAnEighthOfThePowerOfTwo() {
        assertEquals(512, CachingAllocator.sizeClass(0));
        assertEquals(512, CachingAllocator.sizeClass(4));
        assertEquals(1024, CachingAllocator.sizeClass(513));
        assertEquals(1L << 20, CachingAllocator.sizeClass((1L << 20) - 100));
        // 1 MiB + 1 rounds to the next eighth of 2 MiB
        assertEquals((1L << 20) + (1L << 17), CachingAllocator.sizeClass((1L << 20) + 1));
        for (long b = 1; b < (1L << 32); b = b * 3 + 7) {
            long c = CachingAllocator.sizeClass(b);
            assertTrue(c >= b, "class " + c + " holds " + b);
            assertTrue(b <= 512 || c <= b * 1.125 + 512, "waste of class " + c + " for " + b);
        }
    }

    @Test
    void releasedBlocksAreReusedOnTheirStreamWithoutADriverCall() {
        FakeMemory mem = new FakeMemory(1 << 30);
        CachingAllocator a = new CachingAllocator(mem);
        CachingAllocator.Block b1 = a.allocate(4000, 7);
        a.release(b1);
        CachingAllocator.Block b2 = a.allocate(3900, 7);
        assertEquals(b1.pointer(), b2.pointer(), "same class, same stream: the cached block");
        CachingAllocator.Block other = a.allocate(3900, 8);
        assertNotEquals(b1.pointer(), other.pointer(), "another stream never takes the block");
        CachingAllocator.Stats s = a.stats();
        assertEquals(2, s.deviceAllocations());
        assertEquals(1, s.cacheHits());
        assertEquals(2, s.cacheMisses());
        assertEquals(2 * 4096, s.reservedBytes());
        assertEquals(0, s.cachedBytes());
        a.release(b2);
        a.release(other);
        assertEquals(2 * 4096, a.stats().cachedBytes());
        assertEquals(0, a.stats().inUseBytes());
        assertEquals(List.of("alloc 4096", "alloc 4096"), mem.calls);
    }

    @Test
    void emptyCacheSynchronizesThenFreesOnlyCachedBlocks() {
        FakeMemory mem = new FakeMemory(1 << 30);
        CachingAllocator a = new CachingAllocator(mem);
        CachingAllocator.Block kept = a.allocate(1 << 16, 1);
        CachingAllocator.Block freed = a.allocate(1 << 20, 1);
        a.release(freed);
        a.emptyCache();
        assertEquals(List.of("alloc 65536", "alloc 1048576", "sync", "free"), mem.calls);
        CachingAllocator.Stats s = a.stats();
        assertEquals(1 << 16, s.reservedBytes());
        assertEquals((1 << 16) + (1 << 20), s.peakReservedBytes());
        assertEquals(0, s.cachedBytes());
        assertEquals(1, s.deviceFrees());
        assertTrue(mem.blocks.containsKey(kept.pointer()));
        a.resetPeak();
        assertEquals(1 << 16, a.stats().peakReservedBytes());
    }

    @Test
    void outOfMemoryEmptiesTheCacheAndRetriesOnce() {
        FakeMemory mem = new FakeMemory(3 << 20);
        CachingAllocator a = new CachingAllocator(mem);
        a.release(a.allocate(2 << 20, 1));
        // 2 MiB cached + 1.5 MiB asked (another class) > 3 MiB: the cache is emptied and the request retried
        CachingAllocator.Block b = a.allocate((3 << 19) - 4096, 1);
        assertEquals(3 << 19, b.bytes(), "1.5 MiB - 4 KiB rounds to the 1.5 MiB class");
        assertEquals(List.of("alloc 2097152", "alloc 1572864", "sync", "free", "alloc 1572864"), mem.calls);
        assertEquals(1, a.stats().outOfMemoryRetries());
        assertEquals(3 << 19, a.stats().reservedBytes());
    }

    @Test
    void outOfMemoryAfterTheRetryNamesTheRequestAndTheReservedBytes() {
        CachingAllocator a = new CachingAllocator(new FakeMemory(1 << 20));
        a.allocate(1 << 19, 1);
        CudaException e = assertThrows(CudaException.class, () -> a.allocate(1 << 20, 1));
        assertEquals(DriverAbi.CUDA_ERROR_OUT_OF_MEMORY, e.code());
        assertTrue(e.getMessage().contains("cuMemAlloc_v2(1048576 bytes)"), e.getMessage());
        assertTrue(e.getMessage().contains("524288 bytes reserved"), e.getMessage());
        assertTrue(e.getMessage().contains("hint: "), e.getMessage());
    }

    @Test
    void releaseFromManyThreadsKeepsTheCountersConsistent() throws InterruptedException {
        CachingAllocator a = new CachingAllocator(new FakeMemory(1L << 40));
        List<CachingAllocator.Block> blocks = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            blocks.add(a.allocate(512L * (1 + i % 5), 3));
        }
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int start = t;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = start; i < blocks.size(); i += 4) {
                    a.release(blocks.get(i));
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        CachingAllocator.Stats s = a.stats();
        assertEquals(s.reservedBytes(), s.cachedBytes());
        for (int i = 0; i < 400; i++) {
            a.allocate(512L * (1 + i % 5), 3);
        }
        assertEquals(400, a.stats().cacheHits(), "every block came back and was reused");
        assertEquals(0, a.stats().cachedBytes());
    }
}
