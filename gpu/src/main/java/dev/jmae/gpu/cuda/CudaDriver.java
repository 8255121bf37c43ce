package dev.jmae.gpu.cuda;

import dev.jmae.gpu.cuda.NativeLibrary.Binding;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The CUDA driver API ({@code libcuda.so.1}) through the Foreign Function &amp; Memory API: one
 * Java method per C function of {@link DriverAbi#PROTOTYPES}, each checking the returned
 * {@code CUresult} and throwing a {@link CudaException} that names the call, its salient
 * arguments and the error ({@code cuGetErrorName}, {@code cuGetErrorString}).
 *
 * <p>Handles ({@code CUcontext}, {@code CUstream}, {@code CUmodule}, {@code CUfunction},
 * {@code CUevent}) are {@link MemorySegment} addresses; device pointers ({@code CUdeviceptr}) are
 * {@code long}. Calls that take a context use the calling thread's current one
 * ({@link #ctxSetCurrent}). Source: CUDA Driver API reference, CUDA 13.0 {@code cuda.h}.
 */
// binding native code is this class's purpose: its restricted FFM calls (library lookup, downcalls,
// reinterpret) are allowed by --enable-native-access in jmae's JVM flags
@SuppressWarnings("restricted")
final class CudaDriver {

    /**
     * Where the driver library is looked for: the loader's search first, then the folders drivers
     * install to (Debian/Ubuntu multiarch, RHEL, NVIDIA's container mount, WSL).
     */
    static final List<String> CANDIDATES = List.of(
            "libcuda.so.1",
            "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
            "/usr/lib/aarch64-linux-gnu/libcuda.so.1",
            "/usr/lib64/libcuda.so.1",
            "/usr/local/nvidia/lib64/libcuda.so.1",
            "/usr/lib/wsl/lib/libcuda.so.1");

    private static final Map<Integer, String> NAMES = constantNames();

    private final NativeLibrary library;
    private final Map<String, Binding> bindings = new HashMap<>();
    private final Binding cuInit;
    private final Binding cuDriverGetVersion;
    private final Binding cuGetErrorName;
    private final Binding cuGetErrorString;
    private final Binding cuDeviceGetCount;
    private final Binding cuDeviceGet;
    private final Binding cuDeviceGetName;
    private final Binding cuDeviceGetUuid;
    private final Binding cuDeviceGetAttribute;
    private final Binding cuDeviceTotalMem;
    private final Binding cuDevicePrimaryCtxRetain;
    private final Binding cuCtxSetCurrent;
    private final Binding cuCtxSynchronize;
    private final Binding cuMemGetInfo;
    private final Binding cuStreamCreate;
    private final Binding cuStreamSynchronize;
    private final Binding cuMemAlloc;
    private final Binding cuMemFree;
    private final Binding cuMemHostAlloc;
    private final Binding cuMemFreeHost;
    private final Binding cuMemcpyHtoDAsync;
    private final Binding cuMemcpyDtoHAsync;
    private final Binding cuMemcpyDtoDAsync;
    private final Binding cuMemsetD32Async;
    private final Binding cuModuleLoadData;
    private final Binding cuModuleGetFunction;
    private final Binding cuFuncGetAttribute;
    private final Binding cuFuncSetAttribute;
    private final Binding cuLaunchKernel;
    private final Binding cuEventCreate;
    private final Binding cuEventRecord;
    private final Binding cuEventQuery;
    private final Binding cuEventSynchronize;
    private final Binding cuEventElapsedTime;
    private final Binding cuEventDestroy;

    /**
     * Binds the driver's functions (each resolved on first use).
     *
     * @param library the opened {@code libcuda.so.1} (or a stand-in with the same exports)
     */
    CudaDriver(NativeLibrary library) {
        this.library = library;
        for (String p : DriverAbi.PROTOTYPES) {
            Binding b = library.bind(p);
            bindings.put(b.name(), b);
        }
        cuInit = b("cuInit");
        cuDriverGetVersion = b("cuDriverGetVersion");
        cuGetErrorName = b("cuGetErrorName");
        cuGetErrorString = b("cuGetErrorString");
        cuDeviceGetCount = b("cuDeviceGetCount");
        cuDeviceGet = b("cuDeviceGet");
        cuDeviceGetName = b("cuDeviceGetName");
        cuDeviceGetUuid = b("cuDeviceGetUuid_v2");
        cuDeviceGetAttribute = b("cuDeviceGetAttribute");
        cuDeviceTotalMem = b("cuDeviceTotalMem_v2");
        cuDevicePrimaryCtxRetain = b("cuDevicePrimaryCtxRetain");
        cuCtxSetCurrent = b("cuCtxSetCurrent");
        cuCtxSynchronize = b("cuCtxSynchronize");
        cuMemGetInfo = b("cuMemGetInfo_v2");
        cuStreamCreate = b("cuStreamCreate");
        cuStreamSynchronize = b("cuStreamSynchronize");
        cuMemAlloc = b("cuMemAlloc_v2");
        cuMemFree = b("cuMemFree_v2");
        cuMemHostAlloc = b("cuMemHostAlloc");
        cuMemFreeHost = b("cuMemFreeHost");
        cuMemcpyHtoDAsync = b("cuMemcpyHtoDAsync_v2");
        cuMemcpyDtoHAsync = b("cuMemcpyDtoHAsync_v2");
        cuMemcpyDtoDAsync = b("cuMemcpyDtoDAsync_v2");
        cuMemsetD32Async = b("cuMemsetD32Async");
        cuModuleLoadData = b("cuModuleLoadData");
        cuModuleGetFunction = b("cuModuleGetFunction");
        cuFuncGetAttribute = b("cuFuncGetAttribute");
        cuFuncSetAttribute = b("cuFuncSetAttribute");
        cuLaunchKernel = b("cuLaunchKernel");
        cuEventCreate = b("cuEventCreate");
        cuEventRecord = b("cuEventRecord");
        cuEventQuery = b("cuEventQuery");
        cuEventSynchronize = b("cuEventSynchronize");
        cuEventElapsedTime = b("cuEventElapsedTime_v2");
        cuEventDestroy = b("cuEventDestroy_v2");
    }

    private Binding b(String name) {
        Binding binding = bindings.get(name);
        if (binding == null) {
            throw new IllegalStateException("DriverAbi.PROTOTYPES has no prototype for " + name);
        }
        return binding;
    }

    /** @return the library these calls go to */
    NativeLibrary library() {
        return library;
    }

    // ------------------------------------------------------------------ errors

    /**
     * The symbolic name of a status: the driver's {@code cuGetErrorName}, else the name of the
     * {@link DriverAbi} constant, else {@code CUresult N}.
     *
     * @param status a CUresult
     * @return e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}
     */
    String errorName(int status) {
        String s = errorText(cuGetErrorName, status);
        return s != null ? s : NAMES.getOrDefault(status, "CUresult " + status);
    }

    /**
     * The driver's description of a status ({@code cuGetErrorString}), or null.
     *
     * @param status a CUresult
     * @return e.g. {@code out of memory}
     */
    String errorString(int status) {
        return errorText(cuGetErrorString, status);
    }

    private static String errorText(Binding binding, int status) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            int rc = (int) binding.handle().invokeExact(status, out);
            MemorySegment p = out.get(ValueLayout.ADDRESS, 0);
            if (rc != 0 || p.equals(MemorySegment.NULL)) {
                return null;
            }
            return p.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            return null;
        }
    }

    /**
     * Throws unless {@code status} is {@code CUDA_SUCCESS}.
     *
     * @param call the call and its salient arguments, for the message
     * @param status the returned CUresult
     * @throws CudaException if the status is an error
     */
    void check(String call, int status) {
        if (status != DriverAbi.CUDA_SUCCESS) {
            throw new CudaException(call, status, errorName(status), errorString(status), hint(status));
        }
    }

    /** What to do about the errors users meet; null for the rest. */
    static String hint(int status) {
        return switch (status) {
            case DriverAbi.CUDA_ERROR_OUT_OF_MEMORY -> "free tensors (Tensor.release, TensorScope), call"
                    + " CudaBackend.emptyCache(), or use smaller batches";
            case DriverAbi.CUDA_ERROR_ILLEGAL_ADDRESS, DriverAbi.CUDA_ERROR_LAUNCH_FAILED,
                    DriverAbi.CUDA_ERROR_ILLEGAL_INSTRUCTION, DriverAbi.CUDA_ERROR_MISALIGNED_ADDRESS,
                    DriverAbi.CUDA_ERROR_ASSERT ->
                "a kernel failed; the CUDA context is now unusable and the process"
                        + " must be restarted (run with compute-sanitizer to find the kernel)";
            case DriverAbi.CUDA_ERROR_STUB_LIBRARY ->
                "this libcuda is the CUDA toolkit's stub, not a driver; remove the"
                        + " toolkit's stubs folder from LD_LIBRARY_PATH";
            case DriverAbi.CUDA_ERROR_NO_BINARY_FOR_GPU, DriverAbi.CUDA_ERROR_UNSUPPORTED_PTX_VERSION,
                    DriverAbi.CUDA_ERROR_INVALID_PTX ->
                "the code was compiled for another GPU or by an NVRTC newer than"
                        + " the driver; clear the JIT cache (~/.cache/jmae/cuda) or install a matching NVRTC";
            default -> null;
        };
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /** Names of the CUresult constants of {@link DriverAbi}, for statuses the driver cannot name. */
    private static Map<Integer, String> constantNames() {
        Map<Integer, String> names = new HashMap<>();
        for (Field f : DriverAbi.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class && f.getName().startsWith("CUDA_")) {
                try {
                    f.setAccessible(true);
                    names.putIfAbsent(f.getInt(null), f.getName());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return Map.copyOf(names);
    }

    // ------------------------------------------------------------------ initialization and devices

    /**
     * {@code cuInit(0)}, returning the status unchecked (the provider turns it into a reason).
     *
     * @return the CUresult
     */
    int init() {
        try {
            return (int) cuInit.handle().invokeExact(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The CUDA version the driver supports, as 1000·major + 10·minor ({@code cuDriverGetVersion}).
     *
     * @return e.g. 13000
     */
    int driverVersion() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            check("cuDriverGetVersion", (int) cuDriverGetVersion.handle().invokeExact(out));
            return out.get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The number of CUDA devices ({@code cuDeviceGetCount}).
     *
     * @return device count
     */
    int deviceCount() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            check("cuDeviceGetCount", (int) cuDeviceGetCount.handle().invokeExact(out));
            return out.get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The device handle of an ordinal ({@code cuDeviceGet}).
     *
     * @param ordinal the index, in [0, deviceCount())
     * @return the CUdevice
     */
    int device(int ordinal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            check("cuDeviceGet(" + ordinal + ")", (int) cuDeviceGet.handle().invokeExact(out, ordinal));
            return out.get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The device's marketing name ({@code cuDeviceGetName}).
     *
     * @param device a CUdevice
     * @return e.g. {@code NVIDIA H100 80GB HBM3}
     */
    String deviceName(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(256);
            check("cuDeviceGetName", (int) cuDeviceGetName.handle().invokeExact(out, 256, device));
            return out.getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The device UUID as nvidia-smi prints it ({@code cuDeviceGetUuid_v2}).
     *
     * @param device a CUdevice
     * @return {@code GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}
     */
    String deviceUuid(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(DriverAbi.CU_UUID.layout());
            check("cuDeviceGetUuid_v2", (int) cuDeviceGetUuid.handle().invokeExact(out, device));
            StringBuilder sb = new StringBuilder("GPU-");
            long base = DriverAbi.CU_UUID.offset("bytes");
            for (int i = 0; i < 16; i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10) {
                    sb.append('-');
                }
                sb.append(String.format("%02x", out.get(ValueLayout.JAVA_BYTE, base + i) & 0xff));
            }
            return sb.toString();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * One device attribute ({@code cuDeviceGetAttribute}).
     *
     * @param attribute a {@code CU_DEVICE_ATTRIBUTE_*} value of {@link DriverAbi}
     * @param device a CUdevice
     * @return the value
     */
    int attribute(int attribute, int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            check("cuDeviceGetAttribute(" + attribute + ")",
                    (int) cuDeviceGetAttribute.handle().invokeExact(out, attribute, device));
            return out.get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The device's memory ({@code cuDeviceTotalMem_v2}).
     *
     * @param device a CUdevice
     * @return total bytes
     */
    long totalMemBytes(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
            check("cuDeviceTotalMem_v2", (int) cuDeviceTotalMem.handle().invokeExact(out, device));
            return out.get(ValueLayout.JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Retains the device's primary context, the one the runtime API and PyTorch share
     * ({@code cuDevicePrimaryCtxRetain}).
     *
     * @param device a CUdevice
     * @return the CUcontext
     */
    MemorySegment primaryCtxRetain(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check("cuDevicePrimaryCtxRetain", (int) cuDevicePrimaryCtxRetain.handle().invokeExact(out, device));
            return out.get(ValueLayout.ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Binds a context to the calling thread ({@code cuCtxSetCurrent}).
     *
     * @param context the CUcontext
     */
    void ctxSetCurrent(MemorySegment context) {
        try {
            check("cuCtxSetCurrent", (int) cuCtxSetCurrent.handle().invokeExact(context));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Waits for all work of the current context ({@code cuCtxSynchronize}). */
    void ctxSynchronize() {
        try {
            check("cuCtxSynchronize", (int) cuCtxSynchronize.handle().invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Free and total memory of the current context's device ({@code cuMemGetInfo_v2}).
     *
     * @return {free, total} in bytes
     */
    long[] memGetInfo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment total = arena.allocate(ValueLayout.JAVA_LONG);
            check("cuMemGetInfo_v2", (int) cuMemGetInfo.handle().invokeExact(free, total));
            return new long[] {free.get(ValueLayout.JAVA_LONG, 0), total.get(ValueLayout.JAVA_LONG, 0)};
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------------ streams and events

    /**
     * Creates a stream ({@code cuStreamCreate}).
     *
     * @param flags e.g. {@link DriverAbi#CU_STREAM_NON_BLOCKING}
     * @return the CUstream
     */
    MemorySegment streamCreate(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check("cuStreamCreate", (int) cuStreamCreate.handle().invokeExact(out, flags));
            return out.get(ValueLayout.ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Waits for a stream's work ({@code cuStreamSynchronize}); reports errors of its kernels.
     *
     * @param stream the CUstream
     */
    void streamSynchronize(MemorySegment stream) {
        try {
            check("cuStreamSynchronize", (int) cuStreamSynchronize.handle().invokeExact(stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Creates an event ({@code cuEventCreate}).
     *
     * @param flags e.g. {@link DriverAbi#CU_EVENT_DISABLE_TIMING}
     * @return the CUevent
     */
    MemorySegment eventCreate(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check("cuEventCreate", (int) cuEventCreate.handle().invokeExact(out, flags));
            return out.get(ValueLayout.ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Records an event on a stream ({@code cuEventRecord}).
     *
     * @param event the CUevent
     * @param stream the CUstream
     */
    void eventRecord(MemorySegment event, MemorySegment stream) {
        try {
            check("cuEventRecord", (int) cuEventRecord.handle().invokeExact(event, stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Whether an event's work has finished ({@code cuEventQuery}).
     *
     * @param event the CUevent
     * @return true when complete, false while CUDA_ERROR_NOT_READY
     */
    boolean eventQuery(MemorySegment event) {
        try {
            int rc = (int) cuEventQuery.handle().invokeExact(event);
            if (rc == DriverAbi.CUDA_ERROR_NOT_READY) {
                return false;
            }
            check("cuEventQuery", rc);
            return true;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Waits for an event ({@code cuEventSynchronize}).
     *
     * @param event the CUevent
     */
    void eventSynchronize(MemorySegment event) {
        try {
            check("cuEventSynchronize", (int) cuEventSynchronize.handle().invokeExact(event));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Milliseconds between two recorded, completed events ({@code cuEventElapsedTime_v2}).
     *
     * @param start the earlier event
     * @param end the later event
     * @return elapsed time in ms (resolution about 0.5 µs)
     */
    float eventElapsedMs(MemorySegment start, MemorySegment end) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_FLOAT);
            check("cuEventElapsedTime_v2", (int) cuEventElapsedTime.handle().invokeExact(out, start, end));
            return out.get(ValueLayout.JAVA_FLOAT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Destroys an event ({@code cuEventDestroy_v2}).
     *
     * @param event the CUevent
     */
    void eventDestroy(MemorySegment event) {
        try {
            check("cuEventDestroy_v2", (int) cuEventDestroy.handle().invokeExact(event));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------------ memory

    /**
     * Allocates device memory ({@code cuMemAlloc_v2}), returning the status so the allocator can
     * retry after freeing its cache.
     *
     * @param bytes size
     * @param out receives the CUdeviceptr (a JAVA_LONG segment)
     * @return the CUresult
     */
    int memAlloc(long bytes, MemorySegment out) {
        try {
            return (int) cuMemAlloc.handle().invokeExact(out, bytes);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Frees device memory ({@code cuMemFree_v2}).
     *
     * @param pointer the CUdeviceptr
     */
    void memFree(long pointer) {
        try {
            check("cuMemFree_v2", (int) cuMemFree.handle().invokeExact(pointer));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Allocates page-locked host memory the GPU can copy from and to by DMA ({@code cuMemHostAlloc}).
     *
     * @param bytes size
     * @param flags {@code CU_MEMHOSTALLOC_*} of {@link DriverAbi}
     * @return the memory, {@code bytes} long
     */
    MemorySegment memHostAlloc(long bytes, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check("cuMemHostAlloc(" + bytes + " bytes)", (int) cuMemHostAlloc.handle().invokeExact(out, bytes, flags));
            return out.get(ValueLayout.ADDRESS, 0).reinterpret(bytes);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Frees page-locked host memory ({@code cuMemFreeHost}).
     *
     * @param memory what {@link #memHostAlloc} returned
     */
    void memFreeHost(MemorySegment memory) {
        try {
            check("cuMemFreeHost", (int) cuMemFreeHost.handle().invokeExact(memory));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Queues a host-to-device copy ({@code cuMemcpyHtoDAsync_v2}); asynchronous only from
     * page-locked memory.
     *
     * @param dst device address
     * @param src host memory
     * @param bytes size
     * @param stream the CUstream
     */
    void memcpyHtoDAsync(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            check("cuMemcpyHtoDAsync_v2(" + bytes + " bytes)",
                    (int) cuMemcpyHtoDAsync.handle().invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Queues a device-to-host copy ({@code cuMemcpyDtoHAsync_v2}).
     *
     * @param dst host memory (page-locked for an asynchronous copy)
     * @param src device address
     * @param bytes size
     * @param stream the CUstream
     */
    void memcpyDtoHAsync(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        try {
            check("cuMemcpyDtoHAsync_v2(" + bytes + " bytes)",
                    (int) cuMemcpyDtoHAsync.handle().invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Queues a device-to-device copy ({@code cuMemcpyDtoDAsync_v2}).
     *
     * @param dst device address
     * @param src device address
     * @param bytes size
     * @param stream the CUstream
     */
    void memcpyDtoDAsync(long dst, long src, long bytes, MemorySegment stream) {
        try {
            check("cuMemcpyDtoDAsync_v2(" + bytes + " bytes)",
                    (int) cuMemcpyDtoDAsync.handle().invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Queues a fill of 32-bit words ({@code cuMemsetD32Async}).
     *
     * @param dst device address, 4-byte aligned
     * @param bits the word, e.g. {@code Float.floatToRawIntBits(value)}
     * @param count number of words
     * @param stream the CUstream
     */
    void memsetD32Async(long dst, int bits, long count, MemorySegment stream) {
        try {
            check("cuMemsetD32Async(" + count + " words)",
                    (int) cuMemsetD32Async.handle().invokeExact(dst, bits, count, stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------------ modules and launches

    /**
     * Loads a CUBIN, fatbin or NUL-terminated PTX image into the current context
     * ({@code cuModuleLoadData}).
     *
     * @param image the image
     * @param what what the image is, for the message
     * @return the CUmodule
     */
    MemorySegment moduleLoadData(MemorySegment image, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check("cuModuleLoadData(" + what + ")", (int) cuModuleLoadData.handle().invokeExact(out, image));
            return out.get(ValueLayout.ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * A kernel of a loaded module ({@code cuModuleGetFunction}); kernels are {@code extern "C"},
     * so the name is the source name.
     *
     * @param module the CUmodule
     * @param name the kernel name
     * @return the CUfunction
     */
    MemorySegment moduleGetFunction(MemorySegment module, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check("cuModuleGetFunction(" + name + ")",
                    (int) cuModuleGetFunction.handle().invokeExact(out, module, arena.allocateFrom(name)));
            return out.get(ValueLayout.ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * A kernel attribute ({@code cuFuncGetAttribute}).
     *
     * @param attribute a {@code CU_FUNC_ATTRIBUTE_*} value
     * @param function the CUfunction
     * @return the value
     */
    int funcGetAttribute(int attribute, MemorySegment function) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            check("cuFuncGetAttribute(" + attribute + ")",
                    (int) cuFuncGetAttribute.handle().invokeExact(out, attribute, function));
            return out.get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Sets a kernel attribute ({@code cuFuncSetAttribute}), e.g. the dynamic shared memory a
     * launch may ask for beyond 48 KiB.
     *
     * @param function the CUfunction
     * @param attribute a {@code CU_FUNC_ATTRIBUTE_*} value
     * @param value the value
     */
    void funcSetAttribute(MemorySegment function, int attribute, int value) {
        try {
            check("cuFuncSetAttribute(" + attribute + ", " + value + ")",
                    (int) cuFuncSetAttribute.handle().invokeExact(function, attribute, value));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Queues a kernel launch ({@code cuLaunchKernel}); the argument values are copied when the
     * call returns, so {@code kernelParams} may be freed right after.
     *
     * @param function the CUfunction
     * @param name the kernel name, for the message
     * @param grid blocks in x, y, z
     * @param block threads per block in x, y, z
     * @param sharedBytes dynamic shared memory per block
     * @param stream the CUstream
     * @param kernelParams array of pointers, one per kernel parameter, each to the argument's value
     */
    void launchKernel(MemorySegment function, String name, int[] grid, int[] block, int sharedBytes,
                      MemorySegment stream, MemorySegment kernelParams) {
        try {
            int rc = (int) cuLaunchKernel.handle().invokeExact(function, grid[0], grid[1], grid[2], block[0], block[1],
                    block[2], sharedBytes, stream, kernelParams, MemorySegment.NULL);
            if (rc != DriverAbi.CUDA_SUCCESS) {
                check("cuLaunchKernel(" + name + ", grid " + grid[0] + "x" + grid[1] + "x" + grid[2] + ", block "
                        + block[0] + "x" + block[1] + "x" + block[2] + ", " + sharedBytes + " B shared)", rc);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
