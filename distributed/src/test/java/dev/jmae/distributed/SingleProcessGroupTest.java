package dev.jmae.distributed;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SingleProcessGroupTest {

    @Test
    void everyCollectiveIsAnIdentity() {
        try (ProcessGroup g = ProcessGroups.init("single", Duration.ofSeconds(1))) {
            assertEquals(0, g.rank());
            assertEquals(1, g.worldSize());
            assertEquals("single", g.backend());
            float[] values = {1.25f, -3f, 1e-30f, Float.MAX_VALUE};
            for (ReduceOp op : ReduceOp.values()) {
                Tensor t = Tensor.of(Device.CPU, values, 4);
                g.allReduce(t, op);
                assertArrayEquals(values, t.toArray(), op.name());
            }
            Tensor b = Tensor.of(Device.CPU, values, 2, 2);
            g.broadcast(b, 0);
            assertArrayEquals(values, b.toArray());
            Tensor gathered = g.allGather(b);
            assertArrayEquals(new int[] {1, 2, 2}, gathered.shape());
            assertArrayEquals(values, gathered.toArray());
            g.barrier();
            assertArrayEquals("x".getBytes(StandardCharsets.UTF_8),
                    g.broadcastBytes("x".getBytes(StandardCharsets.UTF_8), 0));
            List<byte[]> all = g.allGatherBytes(new byte[] {1, 2});
            assertEquals(1, all.size());
            assertArrayEquals(new byte[] {1, 2}, all.get(0));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment s = arena.allocate(ValueLayout.JAVA_FLOAT, 2);
                s.setAtIndex(ValueLayout.JAVA_FLOAT, 1, 7f);
                Work w = g.allReduceAsync(s, ReduceOp.AVG);
                assertTrue(w.isCompleted());
                w.await();
                assertEquals(7f, s.getAtIndex(ValueLayout.JAVA_FLOAT, 1));
            }
        }
    }

    @Test
    void rejectsWhatMpiWouldReject() {
        ProcessGroup g = new SingleProcessGroup();
        Tensor t = Tensor.zeros(Device.CPU, 3);
        IllegalArgumentException root = assertThrows(IllegalArgumentException.class, () -> g.broadcast(t, 1));
        assertEquals("broadcast: root must be a rank in [0, 1), got 1", root.getMessage());
        IllegalArgumentException heap = assertThrows(IllegalArgumentException.class,
                () -> g.allReduceAsync(MemorySegment.ofArray(new float[3]), ReduceOp.SUM));
        assertTrue(heap.getMessage().startsWith("allReduce: expected a native segment, got a heap segment"),
                heap.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> g.allGather(Tensor.zeros(Device.CPU, 1, 1, 1, 1, 1, 1, 1, 1, 1)));
        g.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> g.allReduce(t, ReduceOp.SUM));
        assertEquals("allReduce: the process group was closed", closed.getMessage());
    }

    @Test
    void unknownBackendIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProcessGroups.init("nccl", Duration.ofSeconds(1)));
        assertEquals("ProcessGroups.init: unknown backend 'nccl'; expected mpi or single", e.getMessage());
    }
}
