/*
 * A stand-in for libcuda.so.1 that runs on the host, for testing the Java bindings without a GPU.
 * It includes the toolkit's cuda.h, so every function below is defined with the header's exact
 * prototype (the compiler rejects any difference), and "device memory" is host memory: a
 * CUdeviceptr is a host address, copies are memcpy, launches run two known kernels on the host.
 *
 * Test controls (exported, called through FFM): fake_set_init_result, fake_set_device_count,
 * fake_set_capacity; observations: fake_live_bytes, fake_ctx_set_current_calls,
 * fake_last_host_alloc_flags, fake_last_dynamic_shared.
 */
#include <cuda.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static CUresult init_result = CUDA_SUCCESS;
static int device_count = 1;
static size_t capacity = (size_t) 1 << 40;
static size_t live = 0;
static int ctx_set_current_calls = 0;
static unsigned int last_host_alloc_flags = 0;
static int last_dynamic_shared = 0;
static int dummy_context, dummy_stream, dummy_module;
static int function_ids[3] = {0, 1, 2};

void fake_set_init_result(int r) { init_result = (CUresult) r; }
void fake_set_device_count(int n) { device_count = n; }
void fake_set_capacity(size_t bytes) { capacity = bytes; }
size_t fake_live_bytes(void) { return live; }
int fake_ctx_set_current_calls(void) { return ctx_set_current_calls; }
unsigned int fake_last_host_alloc_flags(void) { return last_host_alloc_flags; }
int fake_last_dynamic_shared(void) { return last_dynamic_shared; }

CUresult cuInit(unsigned int Flags) { return Flags == 0 ? init_result : CUDA_ERROR_INVALID_VALUE; }
CUresult cuDriverGetVersion(int *driverVersion) { *driverVersion = 13000; return CUDA_SUCCESS; }

CUresult cuGetErrorName(CUresult error, const char **pStr) {
    switch (error) {
        case CUDA_SUCCESS: *pStr = "CUDA_SUCCESS"; return CUDA_SUCCESS;
        case CUDA_ERROR_INVALID_VALUE: *pStr = "CUDA_ERROR_INVALID_VALUE"; return CUDA_SUCCESS;
        case CUDA_ERROR_OUT_OF_MEMORY: *pStr = "CUDA_ERROR_OUT_OF_MEMORY"; return CUDA_SUCCESS;
        case CUDA_ERROR_STUB_LIBRARY: *pStr = "CUDA_ERROR_STUB_LIBRARY"; return CUDA_SUCCESS;
        case CUDA_ERROR_NO_DEVICE: *pStr = "CUDA_ERROR_NO_DEVICE"; return CUDA_SUCCESS;
        case CUDA_ERROR_NOT_FOUND: *pStr = "CUDA_ERROR_NOT_FOUND"; return CUDA_SUCCESS;
        default: *pStr = NULL; return CUDA_ERROR_INVALID_VALUE;
    }
}

CUresult cuGetErrorString(CUresult error, const char **pStr) {
    switch (error) {
        case CUDA_ERROR_OUT_OF_MEMORY: *pStr = "out of memory"; return CUDA_SUCCESS;
        case CUDA_ERROR_STUB_LIBRARY: *pStr = "CUDA driver is a stub library"; return CUDA_SUCCESS;
        case CUDA_ERROR_NO_DEVICE: *pStr = "no CUDA-capable device is detected"; return CUDA_SUCCESS;
        case CUDA_ERROR_NOT_FOUND: *pStr = "named symbol not found"; return CUDA_SUCCESS;
        default: *pStr = NULL; return CUDA_ERROR_INVALID_VALUE;
    }
}

CUresult cuDeviceGetCount(int *count) { *count = device_count; return CUDA_SUCCESS; }

CUresult cuDeviceGet(CUdevice *device, int ordinal) {
    if (ordinal < 0 || ordinal >= device_count) return CUDA_ERROR_INVALID_DEVICE;
    *device = ordinal;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetName(char *name, int len, CUdevice dev) {
    const char *n = dev == 0 ? "Fake GPU 0" : "Fake GPU 1";
    strncpy(name, n, (size_t) len);
    name[len - 1] = 0;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetUuid_v2(CUuuid *uuid, CUdevice dev) {
    for (int i = 0; i < 16; i++) uuid->bytes[i] = (char) (0x10 * dev + i);
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib, CUdevice dev) {
    (void) dev;
    switch (attrib) {
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *pi = 9; break;
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *pi = 0; break;
        case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *pi = 132; break;
        case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *pi = 1024; break;
        case CU_DEVICE_ATTRIBUTE_WARP_SIZE: *pi = 32; break;
        case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: *pi = 49152; break;
        case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: *pi = 232448; break;
        case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR: *pi = 233472; break;
        case CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE: *pi = 52428800; break;
        case CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK: *pi = 65536; break;
        case CU_DEVICE_ATTRIBUTE_PCI_BUS_ID: *pi = 27; break;
        default: return CUDA_ERROR_INVALID_VALUE;
    }
    return CUDA_SUCCESS;
}

CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev) { (void) dev; *bytes = capacity; return CUDA_SUCCESS; }
CUresult cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev) { (void) dev; *pctx = (CUcontext) &dummy_context; return CUDA_SUCCESS; }
CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev) { (void) dev; return CUDA_SUCCESS; }
CUresult cuCtxSetCurrent(CUcontext ctx) { ctx_set_current_calls++; return ctx == (CUcontext) &dummy_context ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT; }
CUresult cuCtxSynchronize(void) { return CUDA_SUCCESS; }
CUresult cuMemGetInfo_v2(size_t *free, size_t *total) { *free = capacity - live; *total = capacity; return CUDA_SUCCESS; }
CUresult cuStreamCreate(CUstream *phStream, unsigned int Flags) { (void) Flags; *phStream = (CUstream) &dummy_stream; return CUDA_SUCCESS; }
CUresult cuStreamDestroy_v2(CUstream hStream) { (void) hStream; return CUDA_SUCCESS; }
CUresult cuStreamSynchronize(CUstream hStream) { return hStream == (CUstream) &dummy_stream ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE; }

/* device blocks carry their size in a 256-byte header, so the address handed out is 256-aligned */
CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize) {
    if (live + bytesize > capacity) return CUDA_ERROR_OUT_OF_MEMORY;
    char *p = aligned_alloc(256, 256 + (bytesize + 255) / 256 * 256);
    if (p == NULL) return CUDA_ERROR_OUT_OF_MEMORY;
    *(size_t *) p = bytesize;
    live += bytesize;
    *dptr = (CUdeviceptr) (uintptr_t) (p + 256);
    return CUDA_SUCCESS;
}

CUresult cuMemFree_v2(CUdeviceptr dptr) {
    char *p = (char *) (uintptr_t) dptr - 256;
    live -= *(size_t *) p;
    free(p);
    return CUDA_SUCCESS;
}

CUresult cuMemAllocHost_v2(void **pp, size_t bytesize) { *pp = malloc(bytesize); return *pp ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY; }
CUresult cuMemHostAlloc(void **pp, size_t bytesize, unsigned int Flags) { last_host_alloc_flags = Flags; return cuMemAllocHost_v2(pp, bytesize); }
CUresult cuMemFreeHost(void *p) { free(p); return CUDA_SUCCESS; }

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount, CUstream hStream) {
    if (hStream != (CUstream) &dummy_stream) return CUDA_ERROR_INVALID_HANDLE;
    memcpy((void *) (uintptr_t) dstDevice, srcHost, ByteCount);
    return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoHAsync_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream) {
    if (hStream != (CUstream) &dummy_stream) return CUDA_ERROR_INVALID_HANDLE;
    memcpy(dstHost, (const void *) (uintptr_t) srcDevice, ByteCount);
    return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream) {
    if (hStream != (CUstream) &dummy_stream) return CUDA_ERROR_INVALID_HANDLE;
    memmove((void *) (uintptr_t) dstDevice, (const void *) (uintptr_t) srcDevice, ByteCount);
    return CUDA_SUCCESS;
}

CUresult cuMemsetD32Async(CUdeviceptr dstDevice, unsigned int ui, size_t N, CUstream hStream) {
    if (hStream != (CUstream) &dummy_stream) return CUDA_ERROR_INVALID_HANDLE;
    unsigned int *p = (unsigned int *) (uintptr_t) dstDevice;
    for (size_t i = 0; i < N; i++) p[i] = ui;
    return CUDA_SUCCESS;
}

CUresult cuModuleLoadData(CUmodule *module, const void *image) {
    if (strncmp((const char *) image, "CUBIN:", 6) != 0) return CUDA_ERROR_INVALID_IMAGE;
    *module = (CUmodule) &dummy_module;
    return CUDA_SUCCESS;
}

CUresult cuModuleUnload(CUmodule hmod) { (void) hmod; return CUDA_SUCCESS; }

CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name) {
    if (hmod != (CUmodule) &dummy_module) return CUDA_ERROR_INVALID_HANDLE;
    if (strcmp(name, "axpy") == 0) { *hfunc = (CUfunction) &function_ids[1]; return CUDA_SUCCESS; }
    if (strcmp(name, "args_probe") == 0) { *hfunc = (CUfunction) &function_ids[2]; return CUDA_SUCCESS; }
    return CUDA_ERROR_NOT_FOUND;
}

CUresult cuFuncGetAttribute(int *pi, CUfunction_attribute attrib, CUfunction hfunc) {
    (void) hfunc;
    switch (attrib) {
        case CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *pi = 1024; break;
        case CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES: *pi = 1024; break;
        case CU_FUNC_ATTRIBUTE_NUM_REGS: *pi = 40; break;
        case CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES: *pi = 0; break;
        case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: *pi = 48128; break;
        default: return CUDA_ERROR_INVALID_VALUE;
    }
    return CUDA_SUCCESS;
}

CUresult cuFuncSetAttribute(CUfunction hfunc, CUfunction_attribute attrib, int value) {
    (void) hfunc;
    if (attrib != CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES) return CUDA_ERROR_INVALID_VALUE;
    last_dynamic_shared = value;
    return CUDA_SUCCESS;
}

/* axpy(float *y, const float *x, float a, int n): y[i] += a * x[i] for i < n, n <= grid.x * block.x.
   args_probe(float *out, struct {int a, b, c;} s, double d, long long e, float f): out = {a, b, c, d, e, f}. */
struct probe_struct { int a, b, c; };

CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,
                        unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,
                        unsigned int sharedMemBytes, CUstream hStream, void **kernelParams, void **extra) {
    (void) gridDimY; (void) gridDimZ; (void) blockDimY; (void) blockDimZ; (void) sharedMemBytes;
    if (hStream != (CUstream) &dummy_stream || extra != NULL) return CUDA_ERROR_INVALID_VALUE;
    if (f == (CUfunction) &function_ids[1]) {
        float *y = *(float **) kernelParams[0];
        const float *x = *(const float **) kernelParams[1];
        float a = *(float *) kernelParams[2];
        int n = *(int *) kernelParams[3];
        if ((long long) gridDimX * blockDimX < n) return CUDA_ERROR_INVALID_VALUE;
        for (int i = 0; i < n; i++) y[i] += a * x[i];
        return CUDA_SUCCESS;
    }
    if (f == (CUfunction) &function_ids[2]) {
        float *out = *(float **) kernelParams[0];
        struct probe_struct s = *(struct probe_struct *) kernelParams[1];
        double d = *(double *) kernelParams[2];
        long long e = *(long long *) kernelParams[3];
        float g = *(float *) kernelParams[4];
        out[0] = (float) s.a; out[1] = (float) s.b; out[2] = (float) s.c;
        out[3] = (float) d; out[4] = (float) e; out[5] = g;
        return CUDA_SUCCESS;
    }
    return CUDA_ERROR_INVALID_HANDLE;
}

CUresult cuEventCreate(CUevent *phEvent, unsigned int Flags) { (void) Flags; *phEvent = (CUevent) malloc(8); return CUDA_SUCCESS; }
CUresult cuEventRecord(CUevent hEvent, CUstream hStream) { (void) hEvent; return hStream == (CUstream) &dummy_stream ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE; }
CUresult cuEventQuery(CUevent hEvent) { (void) hEvent; return CUDA_SUCCESS; }
CUresult cuEventSynchronize(CUevent hEvent) { (void) hEvent; return CUDA_SUCCESS; }
CUresult cuEventElapsedTime_v2(float *pMilliseconds, CUevent hStart, CUevent hEnd) { (void) hStart; (void) hEnd; *pMilliseconds = 1.5f; return CUDA_SUCCESS; }
CUresult cuEventDestroy_v2(CUevent hEvent) { free(hEvent); return CUDA_SUCCESS; }
