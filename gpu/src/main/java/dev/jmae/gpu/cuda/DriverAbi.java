package dev.jmae.gpu.cuda;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * The part of the CUDA driver API ({@code libcuda.so.1}, header {@code cuda.h}) that jmae binds:
 * function prototypes, enum values and struct layouts, spelled exactly as in {@code cuda.h}.
 *
 * <p>Every value here is checked against the toolkit's {@code cuda.h} by
 * {@code DriverAbiHeaderTest}: it compiles a C program that includes the header, redeclares each
 * prototype (a C compiler rejects a redeclaration with different types), and prints each constant
 * by its C name and each type's {@code sizeof} and member {@code offsetof}; the test compares the
 * output with these fields. Constant names are the C names, so the test finds them by reflection
 * (every {@code static final} int or long field whose name starts with {@code CU_} or
 * {@code CUDA_}).
 *
 * <p>Function names are the exported symbols, which for several functions carry a version suffix
 * that {@code cuda.h} adds by macro ({@code cuMemAlloc} is {@code cuMemAlloc_v2}). Source: CUDA
 * 13.0 {@code cuda.h}; the bindings need a driver of CUDA 12.0 or newer
 * ({@link #MIN_DRIVER_VERSION}); {@code cuEventElapsedTime_v2} needs 12.8.
 */
final class DriverAbi {

    private DriverAbi() {
    }

    /** The oldest driver the bindings accept, as {@code cuDriverGetVersion} reports it (12.0). */
    static final int MIN_DRIVER_VERSION = 12000;

    /**
     * The oldest {@code cuda.h} the prototypes below match ({@code CUDA_VERSION} 12.8, the first to
     * declare {@code cuEventElapsedTime_v2}); the header check requires at least this.
     */
    static final int MIN_HEADER_VERSION = 12080;

    // ---- CUresult codes the bindings name (cuda.h: enum cudaError_enum) ----

    static final int CUDA_SUCCESS = 0;
    static final int CUDA_ERROR_INVALID_VALUE = 1;
    static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
    static final int CUDA_ERROR_NOT_INITIALIZED = 3;
    static final int CUDA_ERROR_DEINITIALIZED = 4;
    static final int CUDA_ERROR_STUB_LIBRARY = 34;
    static final int CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER = 36;
    static final int CUDA_ERROR_DEVICE_UNAVAILABLE = 46;
    static final int CUDA_ERROR_NO_DEVICE = 100;
    static final int CUDA_ERROR_INVALID_DEVICE = 101;
    static final int CUDA_ERROR_INVALID_IMAGE = 200;
    static final int CUDA_ERROR_INVALID_CONTEXT = 201;
    static final int CUDA_ERROR_NO_BINARY_FOR_GPU = 209;
    static final int CUDA_ERROR_INVALID_PTX = 218;
    static final int CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222;
    static final int CUDA_ERROR_SHARED_OBJECT_INIT_FAILED = 303;
    static final int CUDA_ERROR_OPERATING_SYSTEM = 304;
    static final int CUDA_ERROR_INVALID_HANDLE = 400;
    static final int CUDA_ERROR_NOT_FOUND = 500;
    static final int CUDA_ERROR_NOT_READY = 600;
    static final int CUDA_ERROR_ILLEGAL_ADDRESS = 700;
    static final int CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701;
    static final int CUDA_ERROR_CONTEXT_IS_DESTROYED = 709;
    static final int CUDA_ERROR_ASSERT = 710;
    static final int CUDA_ERROR_ILLEGAL_INSTRUCTION = 715;
    static final int CUDA_ERROR_MISALIGNED_ADDRESS = 716;
    static final int CUDA_ERROR_LAUNCH_FAILED = 719;
    static final int CUDA_ERROR_SYSTEM_DRIVER_MISMATCH = 803;
    static final int CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE = 804;
    static final int CUDA_ERROR_UNKNOWN = 999;

    // ---- CUdevice_attribute ----

    static final int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
    static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8;
    static final int CU_DEVICE_ATTRIBUTE_WARP_SIZE = 10;
    static final int CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK = 12;
    static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    static final int CU_DEVICE_ATTRIBUTE_PCI_BUS_ID = 33;
    static final int CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID = 34;
    static final int CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 37;
    static final int CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE = 38;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR = 81;
    static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;

    // ---- CUfunction_attribute ----

    static final int CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0;
    static final int CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES = 1;
    static final int CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES = 3;
    static final int CU_FUNC_ATTRIBUTE_NUM_REGS = 4;
    static final int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;

    // ---- flags ----

    /** cuStreamCreate: a stream that does not synchronize with the legacy default stream. */
    static final int CU_STREAM_NON_BLOCKING = 0x1;
    /** cuEventCreate: default (timing enabled, spin-wait). */
    static final int CU_EVENT_DEFAULT = 0x0;
    /** cuEventCreate: no timing data (cheaper, for ordering only). */
    static final int CU_EVENT_DISABLE_TIMING = 0x2;
    /** cuMemHostAlloc: pinned memory usable from every CUDA context. */
    static final int CU_MEMHOSTALLOC_PORTABLE = 0x01;
    /** cuMemHostAlloc: write-combined pinned memory, fast for host writes and uploads, slow for host reads. */
    static final int CU_MEMHOSTALLOC_WRITECOMBINED = 0x04;

    // ---- library_types.h (shipped with the toolkit, so checked here too; used by cuBLASLt) ----

    /** cudaDataType_t: real float32. */
    static final int CUDA_R_32F = 0;

    // ---- structs ----

    /** {@code CUuuid}: {@code char bytes[16]}, the device UUID nvidia-smi shows. */
    static final CStruct CU_UUID = new CStruct("CUuuid", MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_BYTE).withName("bytes")));

    /** Every struct above, for the header check. */
    static final List<CStruct> STRUCTS = List.of(CU_UUID);

    // ---- functions ----

    /**
     * The prototypes, as in {@code cuda.h} (with the version suffix its macros add). Order is
     * irrelevant; each is bound lazily on first use.
     */
    static final List<String> PROTOTYPES = List.of(
            "CUresult cuInit(unsigned int Flags)",
            "CUresult cuDriverGetVersion(int *driverVersion)",
            "CUresult cuGetErrorName(CUresult error, const char **pStr)",
            "CUresult cuGetErrorString(CUresult error, const char **pStr)",
            "CUresult cuDeviceGetCount(int *count)",
            "CUresult cuDeviceGet(CUdevice *device, int ordinal)",
            "CUresult cuDeviceGetName(char *name, int len, CUdevice dev)",
            "CUresult cuDeviceGetUuid_v2(CUuuid *uuid, CUdevice dev)",
            "CUresult cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib, CUdevice dev)",
            "CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev)",
            "CUresult cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev)",
            "CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev)",
            "CUresult cuCtxSetCurrent(CUcontext ctx)",
            "CUresult cuCtxSynchronize(void)",
            "CUresult cuMemGetInfo_v2(size_t *free, size_t *total)",
            "CUresult cuStreamCreate(CUstream *phStream, unsigned int Flags)",
            "CUresult cuStreamDestroy_v2(CUstream hStream)",
            "CUresult cuStreamSynchronize(CUstream hStream)",
            "CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize)",
            "CUresult cuMemFree_v2(CUdeviceptr dptr)",
            "CUresult cuMemAllocHost_v2(void **pp, size_t bytesize)",
            "CUresult cuMemHostAlloc(void **pp, size_t bytesize, unsigned int Flags)",
            "CUresult cuMemFreeHost(void *p)",
            "CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount, CUstream hStream)",
            "CUresult cuMemcpyDtoHAsync_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream)",
            "CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream)",
            "CUresult cuMemsetD32Async(CUdeviceptr dstDevice, unsigned int ui, size_t N, CUstream hStream)",
            "CUresult cuModuleLoadData(CUmodule *module, const void *image)",
            "CUresult cuModuleUnload(CUmodule hmod)",
            "CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name)",
            "CUresult cuFuncGetAttribute(int *pi, CUfunction_attribute attrib, CUfunction hfunc)",
            "CUresult cuFuncSetAttribute(CUfunction hfunc, CUfunction_attribute attrib, int value)",
            "CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,"
                    + " unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,"
                    + " unsigned int sharedMemBytes, CUstream hStream, void **kernelParams, void **extra)",
            "CUresult cuEventCreate(CUevent *phEvent, unsigned int Flags)",
            "CUresult cuEventRecord(CUevent hEvent, CUstream hStream)",
            "CUresult cuEventQuery(CUevent hEvent)",
            "CUresult cuEventSynchronize(CUevent hEvent)",
            "CUresult cuEventElapsedTime_v2(float *pMilliseconds, CUevent hStart, CUevent hEnd)",
            "CUresult cuEventDestroy_v2(CUevent hEvent)");
}
