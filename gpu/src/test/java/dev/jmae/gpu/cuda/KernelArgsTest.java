package dev.jmae.gpu.cuda;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernelParams array read back as the driver reads it. */
// binding native code is this class's purpose: its restricted FFM calls (library lookup, downcalls,
// reinterpret) are allowed by --enable-native-access in jmae's JVM flags
@SuppressWarnings("restricted")
class KernelArgsTest {

    @Test
    void eachEntryPointsAtTheArgumentsValue() {
        StructLayout pair = MemoryLayout.structLayout(ValueLayout.JAVA_INT.withName("a"), MemoryLayout.paddingLayout(4),
                ValueLayout.JAVA_LONG.withName("b"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment struct = arena.allocate(pair);
            struct.set(ValueLayout.JAVA_INT, 0, 7);
            struct.set(ValueLayout.JAVA_LONG, 8, -3L);
            MemorySegment p = KernelArgs.pack(arena, new KernelArgs.Pointer(0xdead00L), 42, 1L << 40, 2.5f, -0.125,
                    new int[] {1, 2, 3}, new float[] {4f, 5f}, struct);
            MemorySegment[] v = new MemorySegment[8];
            for (int i = 0; i < 8; i++) {
                v[i] = p.getAtIndex(ValueLayout.ADDRESS, i).reinterpret(64);
            }
            assertEquals(0xdead00L, v[0].get(ValueLayout.JAVA_LONG, 0));
            assertEquals(42, v[1].get(ValueLayout.JAVA_INT, 0));
            assertEquals(1L << 40, v[2].get(ValueLayout.JAVA_LONG, 0));
            assertEquals(2.5f, v[3].get(ValueLayout.JAVA_FLOAT, 0));
            assertEquals(-0.125, v[4].get(ValueLayout.JAVA_DOUBLE, 0));
            assertArrayEquals(new int[] {1, 2, 3}, v[5].asSlice(0, 12).toArray(ValueLayout.JAVA_INT));
            assertArrayEquals(new float[] {4f, 5f}, v[6].asSlice(0, 8).toArray(ValueLayout.JAVA_FLOAT));
            assertEquals(7, v[7].get(ValueLayout.JAVA_INT, 0));
            assertEquals(-3L, v[7].get(ValueLayout.JAVA_LONG, 8));
            assertEquals(0, v[7].address() % 16, "a by-value struct is copied 16-byte aligned");
        }
    }

    @Test
    void unsupportedArgumentsNameTheirPosition() {
        try (Arena arena = Arena.ofConfined()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> KernelArgs.pack(arena, 1, "text"));
            assertTrue(e.getMessage().contains("argument 1") && e.getMessage().contains("String"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> KernelArgs.pack(arena, 1, null));
        }
    }
}
