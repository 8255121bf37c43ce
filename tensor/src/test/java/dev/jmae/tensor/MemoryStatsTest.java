package dev.jmae.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The reserved-bytes hook device allocators report through, and its peak. */
class MemoryStatsTest {

    @Test
    void reservedBytesFollowTheAllocatorsReportsAndKeepTheirPeak() {
        MemoryStats stats = new MemoryStats();
        assertEquals(0, stats.reservedBytes(), "heap backends reserve nothing");
        stats.recordReserved(4096);
        stats.recordReserved(1024);
        assertEquals(5120, stats.reservedBytes());
        stats.recordReserved(-4096);
        assertEquals(1024, stats.reservedBytes());
        assertEquals(5120, stats.peakReservedBytes());
        stats.resetPeak();
        assertEquals(1024, stats.peakReservedBytes(), "reset to the current value");
        assertEquals(0, stats.liveBytes(), "reserved memory is not live tensor memory");
    }
}
