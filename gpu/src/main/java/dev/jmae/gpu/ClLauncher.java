package dev.jmae.gpu;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.MemoryStats;
import dev.jmae.tensor.Storage;
import org.jocl.cl_mem;

/**
 * The {@link KernelLauncher} of one {@link OpenClBackend}: the device's {@link ClRuntime} driven in
 * the backend's kernel variant. Storages are {@link ClStorage}s; int buffers are plain
 * {@code cl_mem}s outside the buffer pool.
 */
final class ClLauncher implements KernelLauncher {

    /** A {@code cl_mem} of ints. */
    private record ClIntBuffer(ClRuntime rt, cl_mem mem) implements IntBuffer {
        @Override
        public void fill(int first, int count, int value) {
            rt.fillInts(mem, first, count, value);
        }

        @Override
        public void read(int[] dst) {
            rt.readInts(mem, dst);
        }
    }

    private final OpenClBackend backend;
    private final ClRuntime rt;
    private final Variant variant;

    ClLauncher(OpenClBackend backend, ClRuntime rt, Variant variant) {
        this.backend = backend;
        this.rt = rt;
        this.variant = variant;
    }

    @Override
    public Device device() {
        return backend.device();
    }

    @Override
    public MemoryStats memory() {
        return backend.memory();
    }

    @Override
    public String deviceName() {
        return rt.name();
    }

    @Override
    public Variant variant() {
        return variant;
    }

    @Override
    public void launch(String file, String kernel, long[] global, long[] local, Object... args) {
        Object[] a = args;
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof ClIntBuffer b) {
                if (a == args) {
                    a = args.clone();
                }
                a[i] = b.mem();
            }
        }
        rt.launch(file, kernel, variant, global, local, a);
    }

    @Override
    public void fill(Storage out, long elementOffset, int count, float value) {
        rt.fillBuffer((ClStorage) out, 4L * elementOffset, count, value);
    }

    @Override
    public void copy(Storage src, long srcElementOffset, Storage dst, long dstElementOffset, int count) {
        rt.copyBuffer((ClStorage) src, 4L * srcElementOffset, (ClStorage) dst, 4L * dstElementOffset, count);
    }

    @Override
    public Storage scratch(int numel) {
        return backend.allocate(numel);
    }

    @Override
    public int capGroup(int wanted) {
        long max = Math.max(1, rt.maxWorkGroupSize());
        return (int) Math.min(wanted, Long.highestOneBit(max));
    }

    @Override
    public long localMemBytes() {
        return rt.localMemBytes();
    }

    @Override
    public long kernelWorkGroupSize(String file, String kernel) {
        return rt.kernelWorkGroupSize(file, kernel, variant);
    }

    @Override
    public IntBuffer intBuffer(int ints) {
        return new ClIntBuffer(rt, rt.createBuffer(4L * ints));
    }
}
