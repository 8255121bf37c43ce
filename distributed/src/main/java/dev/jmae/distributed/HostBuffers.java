package dev.jmae.distributed;

import dev.jmae.tensor.HeapStorage;
import dev.jmae.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Copies between tensors and native float32 segments, the host buffers collectives run on.
 *
 * <p>Why a copy and not the tensor's own array: the heap tensors ({@code cpu}, {@code
 * reference}) keep their elements in a Java {@code float[]}, which the garbage collector may
 * move. Java 25's {@code Linker.Option.critical(true)} lets a downcall read a heap segment in
 * place, but only for functions that return quickly and never block, because the JVM holds off
 * garbage collection for the duration; a collective blocks until every rank arrives (seconds when
 * ranks are out of step), which would stall every allocating thread, and a nonblocking collective
 * outlives its call altogether. So collectives run on native memory, and heap tensors are
 * copied in and out with one bulk copy each way ({@link MemorySegment#copy}); a contiguous heap
 * tensor is copied straight from its array, any other tensor through {@link Tensor#toArray()}.
 */
public final class HostBuffers {

    private HostBuffers() {
    }

    /**
     * Copies a tensor's elements (row-major) into a segment: overwrites numel floats from
     * {@code dstIndex}.
     *
     * @param src the tensor, any device and strides
     * @param dst the segment
     * @param dstIndex the first float index written
     * @throws IndexOutOfBoundsException if the segment is too small
     */
    public static void copyIn(Tensor src, MemorySegment dst, long dstIndex) {
        int n = src.numel();
        if (src.storage() instanceof HeapStorage heap && src.isContiguous()) {
            MemorySegment.copy(heap.data(), src.offset(), dst, ValueLayout.JAVA_FLOAT, 4 * dstIndex, n);
        } else {
            MemorySegment.copy(src.toArray(), 0, dst, ValueLayout.JAVA_FLOAT, 4 * dstIndex, n);
        }
    }

    /**
     * Copies floats from a segment into a tensor (row-major), overwriting all its elements.
     *
     * @param src the segment
     * @param srcIndex the first float index read
     * @param dst the tensor, any device; may be a strided view, not an expanded one
     * @throws IndexOutOfBoundsException if the segment is too small
     * @throws IllegalArgumentException if dst is expanded (its elements overlap)
     */
    public static void copyOut(MemorySegment src, long srcIndex, Tensor dst) {
        int n = dst.numel();
        if (dst.storage() instanceof HeapStorage heap && dst.isContiguous()) {
            MemorySegment.copy(src, ValueLayout.JAVA_FLOAT, 4 * srcIndex, heap.data(), dst.offset(), n);
        } else {
            float[] values = new float[n];
            MemorySegment.copy(src, ValueLayout.JAVA_FLOAT, 4 * srcIndex, values, 0, n);
            Tensor t = Tensor.of(dst.device(), values, dst.shape());
            dst.copyInPlace(t);
            t.release();
        }
    }

    /**
     * Checks that a segment can be handed to a native collective.
     *
     * @param op the collective's name, for the message
     * @param buffer the segment
     * @return the number of float32 values it holds
     * @throws IllegalArgumentException if it is a heap segment, not whole floats, or too large
     */
    static int floatCount(String op, MemorySegment buffer) {
        if (!buffer.isNative()) {
            throw new IllegalArgumentException(op + ": expected a native segment, got a heap segment"
                    + "; hint: allocate the buffer from an Arena (collectives block, so they cannot run on heap memory)");
        }
        long bytes = buffer.byteSize();
        if (bytes % 4 != 0 || bytes / 4 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": expected a segment of at most 2^31 - 1 float32 values"
                    + " (byte size a multiple of 4), got " + bytes + " bytes");
        }
        return (int) (bytes / 4);
    }

    /**
     * Divides every float of a segment by a divisor (the AVG of a SUM).
     *
     * @param buffer the values, overwritten
     * @param count how many floats
     * @param divisor the world size
     */
    static void divide(MemorySegment buffer, int count, int divisor) {
        if (divisor == 1) {
            return;
        }
        float d = divisor;
        for (long i = 0; i < count; i++) {
            buffer.setAtIndex(ValueLayout.JAVA_FLOAT, i, buffer.getAtIndex(ValueLayout.JAVA_FLOAT, i) / d);
        }
    }
}
