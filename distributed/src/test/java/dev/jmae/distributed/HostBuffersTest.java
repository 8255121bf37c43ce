package dev.jmae.distributed;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HostBuffersTest {

    @Test
    void copiesContiguousAndStridedTensorsBothWays() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(ValueLayout.JAVA_FLOAT, 10);
            // a contiguous view at an offset into its storage, and a transposed view
            Tensor base = Tensor.of(Device.CPU, new float[] {9, 1, 2, 3, 4, 5, 6}, 7);
            Tensor tail = base.narrow(0, 1, 6);
            HostBuffers.copyIn(tail, s, 2);
            assertArrayEquals(new float[] {0, 0, 1, 2, 3, 4, 5, 6, 0, 0}, s.toArray(ValueLayout.JAVA_FLOAT));
            Tensor t = Tensor.of(Device.REFERENCE, new float[] {1, 2, 3, 4, 5, 6}, 2, 3).transpose(0, 1);
            HostBuffers.copyIn(t, s, 0);
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, s.asSlice(0, 24).toArray(ValueLayout.JAVA_FLOAT));

            for (int i = 0; i < 10; i++) {
                s.setAtIndex(ValueLayout.JAVA_FLOAT, i, 10 + i);
            }
            HostBuffers.copyOut(s, 4, tail);
            assertArrayEquals(new float[] {9, 14, 15, 16, 17, 18, 19}, base.toArray());
            Tensor m = Tensor.zeros(Device.CPU, 2, 3);
            HostBuffers.copyOut(s, 0, m.transpose(0, 1));
            // m^T read row-major is 10..15, so m is [[10, 12, 14], [11, 13, 15]]
            assertArrayEquals(new float[] {10, 12, 14, 11, 13, 15}, m.toArray());
        }
    }

    @Test
    void divideIsExactDivisionAndSegmentsAreChecked() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(ValueLayout.JAVA_FLOAT, 3);
            s.setAtIndex(ValueLayout.JAVA_FLOAT, 0, 1f);
            s.setAtIndex(ValueLayout.JAVA_FLOAT, 1, 3f);
            s.setAtIndex(ValueLayout.JAVA_FLOAT, 2, -6f);
            HostBuffers.divide(s, 3, 3);
            assertArrayEquals(new float[] {1f / 3f, 1f, -2f}, s.toArray(ValueLayout.JAVA_FLOAT));
            assertEquals(3, HostBuffers.floatCount("x", s));
            assertThrows(IllegalArgumentException.class, () -> HostBuffers.floatCount("x", s.asSlice(0, 5)));
        }
    }
}
