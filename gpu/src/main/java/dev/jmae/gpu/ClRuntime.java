package dev.jmae.gpu;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_platform_id;
import org.jocl.cl_program;

import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One OpenCL device opened for jmae: its context, its single in-order command queue, and the
 * programs built from the shared kernel sources ({@link KernelSource}: the OpenCL prelude, common.h
 * and one family source, as OpenCL C 1.2), each built once per variant and cached with its kernels.
 *
 * <p>Thread safety: every command (kernel launch, buffer read, write, fill, copy) is enqueued
 * while holding this object's lock, so calls from several threads are serialized; buffer creation
 * and release need no lock (they are thread-safe in OpenCL). Every JOCL call runs with
 * {@code CL.setExceptionsEnabled(true)}; failures are rethrown as {@link IllegalStateException}
 * naming the kernel or command and its sizes.
 */
final class ClRuntime {

    private final cl_device_id device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final String name;
    private final boolean gpu;
    private final long maxWorkGroupSize;
    private final long localMemBytes;
    private final boolean correctlyRoundedDivSqrt;
    private final BufferPool pool;
    private final Map<String, cl_program> programs = new HashMap<>();
    private final Map<String, cl_kernel> kernels = new HashMap<>();

    private ClRuntime(cl_platform_id platform, cl_device_id device) {
        this.device = device;
        this.name = deviceString(device, CL.CL_DEVICE_NAME).trim();
        long[] type = new long[1];
        CL.clGetDeviceInfo(device, CL.CL_DEVICE_TYPE, Sizeof.cl_long, Pointer.to(type), null);
        this.gpu = (type[0] & CL.CL_DEVICE_TYPE_GPU) != 0;
        this.maxWorkGroupSize = deviceSize(device, CL.CL_DEVICE_MAX_WORK_GROUP_SIZE);
        long[] local = new long[1];
        CL.clGetDeviceInfo(device, CL.CL_DEVICE_LOCAL_MEM_SIZE, Sizeof.cl_ulong, Pointer.to(local), null);
        this.localMemBytes = local[0];
        long[] fp = new long[1];
        CL.clGetDeviceInfo(device, CL.CL_DEVICE_SINGLE_FP_CONFIG, Sizeof.cl_ulong, Pointer.to(fp), null);
        this.correctlyRoundedDivSqrt = (fp[0] & CL.CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0;
        long[] global = new long[1];
        CL.clGetDeviceInfo(device, CL.CL_DEVICE_GLOBAL_MEM_SIZE, Sizeof.cl_ulong, Pointer.to(global), null);
        this.pool = new BufferPool(Math.min(global[0] / 4, 1L << 30));
        org.jocl.cl_context_properties props = new org.jocl.cl_context_properties();
        props.addProperty(CL.CL_CONTEXT_PLATFORM, platform);
        this.context = CL.clCreateContext(props, 1, new cl_device_id[] {device}, null, null, null);
        @SuppressWarnings("deprecation")
        cl_command_queue q = CL.clCreateCommandQueue(context, device, 0, null);
        this.queue = q;
    }

    /**
     * Opens a device: creates its context and command queue.
     *
     * @param platform the device's platform
     * @param device the device
     * @return the runtime
     * @throws IllegalStateException if OpenCL refuses
     */
    static ClRuntime open(cl_platform_id platform, cl_device_id device) {
        ClRuntime rt;
        try {
            rt = new ClRuntime(platform, device);
        } catch (CLException e) {
            throw new IllegalStateException(
                    "OpenCL: cannot open device " + deviceString(device, CL.CL_DEVICE_NAME).trim()
                            + ": " + e.getMessage(),
                    e);
        }
        try {
            rt.checkArrayTransfers();
        } catch (RuntimeException e) {
            CL.clReleaseCommandQueue(rt.queue);
            CL.clReleaseContext(rt.context);
            throw e;
        }
        return rt;
    }

    /**
     * Writes floats from a Java array to a device buffer and reads them back into another array,
     * both at an offset, as every tensor transfer does. JOCL hands Java arrays to the driver
     * through JNI critical access; on a JVM that copies such arrays instead of pinning them
     * ({@code -Xcheck:jni} does), what a read writes never reaches the array, and every tensor read
     * from the device would silently be zeros.
     *
     * @throws IllegalStateException if the floats do not come back
     */
    private void checkArrayTransfers() {
        int n = 16;
        float[] src = new float[n + 4];
        for (int i = 0; i < src.length; i++) {
            src[i] = i + 0.5f;
        }
        float[] dst = new float[n + 4];
        cl_mem mem = createBuffer(4L * n);
        try {
            synchronized (this) {
                CL.clEnqueueWriteBuffer(queue, mem, true, 0, 4L * n, Pointer.to(src).withByteOffset(4L * 2), 0, null,
                        null);
                CL.clEnqueueReadBuffer(queue, mem, true, 0, 4L * n, Pointer.to(dst).withByteOffset(4L * 3), 0, null,
                        null);
            }
        } catch (CLException e) {
            throw failure("transfer check of " + n + " floats", e);
        } finally {
            releaseBuffer(mem);
        }
        float[] want = Arrays.copyOfRange(src, 2, 2 + n);
        float[] got = Arrays.copyOfRange(dst, 3, 3 + n);
        if (!Arrays.equals(want, got)) {
            // (no device name here: under -Xcheck:jni the name, read into a Java array, is empty too)
            throw new IllegalStateException("OpenCL: " + n + " floats written from a Java array and"
                    + " read back into another came back as " + Arrays.toString(got) + ", expected "
                    + Arrays.toString(want) + "; JOCL passes Java arrays to the driver by JNI critical access, and this"
                    + " JVM copies them instead of pinning them (-Xcheck:jni does), so results read from the device"
                    + " would be lost: run without -Xcheck:jni");
        }
    }

    static String deviceString(cl_device_id device, int param) {
        long[] size = new long[1];
        CL.clGetDeviceInfo(device, param, 0, null, size);
        byte[] buffer = new byte[(int) size[0]];
        CL.clGetDeviceInfo(device, param, buffer.length, Pointer.to(buffer), null);
        int n = buffer.length > 0 && buffer[buffer.length - 1] == 0 ? buffer.length - 1 : buffer.length;
        return new String(buffer, 0, n, StandardCharsets.UTF_8);
    }

    private static long deviceSize(cl_device_id device, int param) {
        long[] v = new long[1];
        CL.clGetDeviceInfo(device, param, Sizeof.size_t, Pointer.to(v), null);
        return v[0];
    }

    /** @return the device name reported by the driver */
    String name() {
        return name;
    }

    /** @return the variant CL_DEVICE_TYPE suggests: GPU for GPUs, CPU for everything else */
    Variant naturalVariant() {
        return gpu ? Variant.GPU : Variant.CPU;
    }

    /** @return CL_DEVICE_MAX_WORK_GROUP_SIZE */
    long maxWorkGroupSize() {
        return maxWorkGroupSize;
    }

    /** @return the cache of released buffers (a quarter of the device memory, at most 1 GiB) */
    BufferPool pool() {
        return pool;
    }

    /** @return CL_DEVICE_LOCAL_MEM_SIZE in bytes */
    long localMemBytes() {
        return localMemBytes;
    }

    // ------------------------------------------------------------------ buffers

    /**
     * Creates a read-write device buffer (at least 4 bytes: OpenCL rejects empty buffers).
     *
     * @param bytes the size
     * @return the buffer; contents unspecified
     * @throws IllegalStateException if the device cannot allocate it
     */
    cl_mem createBuffer(long bytes) {
        try {
            return CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE, Math.max(4, bytes), null, null);
        } catch (CLException e) {
            throw new IllegalStateException("OpenCL device " + name + ": cannot allocate a buffer of " + bytes
                    + " bytes: "
                    + e.getMessage() + "; hint: free tensors (Tensor.release, TensorScope) or use smaller batches", e);
        }
    }

    /**
     * Releases a buffer (deferred by OpenCL until queued commands using it have finished).
     *
     * @param mem the buffer
     */
    static void releaseBuffer(cl_mem mem) {
        CL.clReleaseMemObject(mem);
    }

    // Commands on storages take the ClStorage, not its cl_mem, and keep it reachable until the
    // command is enqueued: a storage that became unreachable mid-call could otherwise have its
    // buffer recycled before the command naming it was queued.

    synchronized void writeBuffer(ClStorage mem, long byteOffset, float[] src, int srcOffset, int count) {
        if (count == 0) {
            return;
        }
        try {
            CL.clEnqueueWriteBuffer(queue, mem.mem(), true, byteOffset, 4L * count,
                    Pointer.to(src).withByteOffset(4L * srcOffset), 0, null, null);
        } catch (CLException e) {
            throw failure("write of " + count + " floats", e);
        } finally {
            Reference.reachabilityFence(mem);
        }
    }

    synchronized void readBuffer(ClStorage mem, long byteOffset, float[] dst, int dstOffset, int count) {
        if (count == 0) {
            return;
        }
        try {
            CL.clEnqueueReadBuffer(queue, mem.mem(), true, byteOffset, 4L * count,
                    Pointer.to(dst).withByteOffset(4L * dstOffset), 0, null, null);
        } catch (CLException e) {
            throw failure("read of " + count + " floats", e);
        } finally {
            Reference.reachabilityFence(mem);
        }
    }

    synchronized void readInts(cl_mem mem, int[] dst) {
        try {
            CL.clEnqueueReadBuffer(queue, mem, true, 0, 4L * dst.length, Pointer.to(dst), 0, null, null);
        } catch (CLException e) {
            throw failure("read of " + dst.length + " ints", e);
        }
    }

    synchronized void fillInts(cl_mem mem, int first, int count, int value) {
        try {
            CL.clEnqueueFillBuffer(queue, mem, Pointer.to(new int[] {value}), Sizeof.cl_int, 4L * first, 4L * count, 0,
                    null, null);
        } catch (CLException e) {
            throw failure("fill of " + count + " ints", e);
        }
    }

    synchronized void fillBuffer(ClStorage mem, long byteOffset, int count, float value) {
        if (count == 0) {
            return;
        }
        try {
            CL.clEnqueueFillBuffer(queue, mem.mem(), Pointer.to(new float[] {value}), Sizeof.cl_float, byteOffset,
                    4L * count, 0, null, null);
        } catch (CLException e) {
            throw failure("fill of " + count + " floats", e);
        } finally {
            Reference.reachabilityFence(mem);
        }
    }

    synchronized void copyBuffer(ClStorage src, long srcByteOffset, ClStorage dst, long dstByteOffset, int count) {
        if (count == 0) {
            return;
        }
        try {
            CL.clEnqueueCopyBuffer(queue, src.mem(), dst.mem(), srcByteOffset, dstByteOffset, 4L * count, 0, null,
                    null);
        } catch (CLException e) {
            throw failure("copy of " + count + " floats", e);
        } finally {
            Reference.reachabilityFence(src);
            Reference.reachabilityFence(dst);
        }
    }

    /** Blocks until every queued command has finished. */
    synchronized void finish() {
        try {
            CL.clFinish(queue);
        } catch (CLException e) {
            throw failure("clFinish", e);
        }
    }

    private IllegalStateException failure(String what, CLException e) {
        return new IllegalStateException("OpenCL device " + name + ": " + what + " failed: " + e.getMessage(), e);
    }

    // ------------------------------------------------------------------ programs and kernels

    private String buildOptions(Variant variant) {
        StringBuilder sb = new StringBuilder("-cl-std=CL1.2 -D ").append(variant.define());
        if (correctlyRoundedDivSqrt) {
            sb.append(" -cl-fp32-correctly-rounded-divide-sqrt");
        }
        return sb.toString();
    }

    private cl_program program(String file, Variant variant) {
        String key = file + "/" + variant;
        cl_program p = programs.get(key);
        if (p != null) {
            return p;
        }
        String source = KernelSource.assemble(KernelSource.Target.OPENCL, file);
        p = CL.clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        String options = buildOptions(variant);
        try {
            CL.clBuildProgram(p, 1, new cl_device_id[] {device}, options, null, null);
        } catch (CLException e) {
            String log = buildLog(p);
            CL.clReleaseProgram(p);
            throw new IllegalStateException("OpenCL: building " + file + " (" + options + ") for " + name + " failed: "
                    + e.getMessage() + "\n" + log, e);
        }
        programs.put(key, p);
        return p;
    }

    private String buildLog(cl_program p) {
        try {
            long[] size = new long[1];
            CL.clGetProgramBuildInfo(p, device, CL.CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] buffer = new byte[(int) size[0]];
            CL.clGetProgramBuildInfo(p, device, CL.CL_PROGRAM_BUILD_LOG, buffer.length, Pointer.to(buffer), null);
            return new String(buffer, StandardCharsets.UTF_8).trim();
        } catch (CLException e) {
            return "(no build log: " + e.getMessage() + ")";
        }
    }

    private cl_kernel kernel(String file, String kernelName, Variant variant) {
        String key = file + "/" + variant + "/" + kernelName;
        cl_kernel k = kernels.get(key);
        if (k == null) {
            try {
                k = CL.clCreateKernel(program(file, variant), kernelName, null);
            } catch (CLException e) {
                throw new IllegalStateException(
                        "OpenCL: no kernel " + kernelName + " in " + file + ": " + e.getMessage(), e);
            }
            kernels.put(key, k);
        }
        return k;
    }

    /**
     * The largest work-group this kernel can run with on this device (CL_KERNEL_WORK_GROUP_SIZE,
     * which register use may push below the device maximum).
     *
     * @param file the kernel source (a {@link KernelSource#SHARED} name)
     * @param kernelName the kernel
     * @param variant which build
     * @return the size
     */
    synchronized long kernelWorkGroupSize(String file, String kernelName, Variant variant) {
        long[] v = new long[1];
        try {
            CL.clGetKernelWorkGroupInfo(kernel(file, kernelName, variant), device, CL.CL_KERNEL_WORK_GROUP_SIZE,
                    Sizeof.size_t, Pointer.to(v), null);
        } catch (CLException e) {
            throw failure("CL_KERNEL_WORK_GROUP_SIZE of " + kernelName, e);
        }
        return v[0];
    }

    /**
     * Enqueues one kernel launch. Each global size is rounded up to a multiple of the local size
     * (kernels guard their own bounds); a zero global size launches nothing.
     *
     * @param file the kernel source holding the kernel (a {@link KernelSource#SHARED} name)
     * @param kernelName the kernel
     * @param variant which build of the program
     * @param global global work size per dimension
     * @param local work-group size per dimension, or null to let the driver choose
     * @param args kernel arguments: {@link ClStorage}, {@code cl_mem}, Integer, Float, int[] (a
     *     by-value struct of ints or an intN vector), float[] (a floatN vector), or
     *     {@link KernelLauncher.Local}
     * @throws IllegalStateException naming the kernel and sizes if OpenCL reports an error
     */
    synchronized void launch(String file, String kernelName, Variant variant, long[] global, long[] local,
                             Object... args) {
        for (long g : global) {
            if (g == 0) {
                return;
            }
        }
        long[] g = global.clone();
        if (local != null) {
            for (int d = 0; d < g.length; d++) {
                g[d] = (g[d] + local[d] - 1) / local[d] * local[d];
            }
        }
        cl_kernel k = kernel(file, kernelName, variant);
        try {
            for (int i = 0; i < args.length; i++) {
                setArg(k, i, args[i]);
            }
            CL.clEnqueueNDRangeKernel(queue, k, g.length, null, g, local, 0, null, null);
        } catch (CLException e) {
            throw new IllegalStateException(
                    "OpenCL kernel " + kernelName + " (" + file + ", " + variant + ") failed on "
                            + name + ": " + e.getMessage() + " (global " + Arrays.toString(g) + ", local "
                            + Arrays.toString(local) + ")",
                    e);
        } finally {
            // the storages among the arguments must stay reachable until the launch is queued
            Reference.reachabilityFence(args);
        }
    }

    private static void setArg(cl_kernel k, int index, Object arg) {
        if (arg instanceof ClStorage s) {
            CL.clSetKernelArg(k, index, Sizeof.cl_mem, Pointer.to(s.mem()));
        } else if (arg instanceof cl_mem m) {
            CL.clSetKernelArg(k, index, Sizeof.cl_mem, Pointer.to(m));
        } else if (arg instanceof Integer v) {
            CL.clSetKernelArg(k, index, Sizeof.cl_int, Pointer.to(new int[] {v}));
        } else if (arg instanceof Float v) {
            CL.clSetKernelArg(k, index, Sizeof.cl_float, Pointer.to(new float[] {v}));
        } else if (arg instanceof float[] vector) {
            CL.clSetKernelArg(k, index, (long) Sizeof.cl_float * vector.length, Pointer.to(vector));
        } else if (arg instanceof int[] struct) {
            CL.clSetKernelArg(k, index, (long) Sizeof.cl_int * struct.length, Pointer.to(struct));
        } else if (arg instanceof KernelLauncher.Local l) {
            CL.clSetKernelArg(k, index, Math.max(4, l.bytes()), null);
        } else {
            throw new IllegalArgumentException("unsupported kernel argument " + index + ": " + arg);
        }
    }
}
