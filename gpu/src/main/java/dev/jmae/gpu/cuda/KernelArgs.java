package dev.jmae.gpu.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The {@code kernelParams} array of {@code cuLaunchKernel}: one pointer per kernel parameter, each
 * to a copy of the argument's value laid out as the kernel expects. The driver copies the values
 * when the launch is queued, so the memory may be freed right after.
 *
 * <p>Argument kinds: {@link CudaStorage} (its device address, a {@code float*}), {@link Pointer}
 * (an address, e.g. an element inside a storage), {@link Integer} ({@code int}), {@link Long}
 * ({@code long long}), {@link Float}, {@link Double}, {@code int[]} and {@code float[]} (a struct
 * passed by value whose members are all {@code int} or all {@code float}, e.g. a strided-plan
 * struct), and a {@link MemorySegment} (any struct passed by value, already laid out with its C
 * alignment and padding).
 */
final class KernelArgs {

    private KernelArgs() {
    }

    /**
     * A device address passed as a pointer argument.
     *
     * @param address the address
     */
    record Pointer(long address) {
    }

    /**
     * Lays out the arguments.
     *
     * @param arena where the array and the values live (must outlive the launch call)
     * @param args the arguments in parameter order
     * @return the {@code void**} array
     * @throws IllegalArgumentException naming the position of an argument of an unsupported type
     */
    static MemorySegment pack(Arena arena, Object... args) {
        MemorySegment params = arena.allocate(ValueLayout.ADDRESS, Math.max(1, args.length));
        for (int i = 0; i < args.length; i++) {
            params.setAtIndex(ValueLayout.ADDRESS, i, value(arena, i, args[i]));
        }
        return params;
    }

    private static MemorySegment value(Arena arena, int index, Object arg) {
        return switch (arg) {
            case CudaStorage s -> arena.allocateFrom(ValueLayout.JAVA_LONG, s.pointer());
            case Pointer p -> arena.allocateFrom(ValueLayout.JAVA_LONG, p.address());
            case Integer v -> arena.allocateFrom(ValueLayout.JAVA_INT, v);
            case Long v -> arena.allocateFrom(ValueLayout.JAVA_LONG, v);
            case Float v -> arena.allocateFrom(ValueLayout.JAVA_FLOAT, v);
            case Double v -> arena.allocateFrom(ValueLayout.JAVA_DOUBLE, v);
            case int[] struct -> arena.allocateFrom(ValueLayout.JAVA_INT, struct);
            case float[] struct -> arena.allocateFrom(ValueLayout.JAVA_FLOAT, struct);
            case MemorySegment struct -> {
                MemorySegment copy = arena.allocate(Math.max(1, struct.byteSize()), 16);
                MemorySegment.copy(struct, 0, copy, 0, struct.byteSize());
                yield copy;
            }
            case null -> throw new IllegalArgumentException("kernel argument " + index + " is null");
            default -> throw new IllegalArgumentException("kernel argument " + index + " has unsupported type "
                    + arg.getClass().getName() + "; expected CudaStorage, KernelArgs.Pointer, Integer, Long, Float,"
                    + " Double, int[], float[] or MemorySegment");
        };
    }
}
