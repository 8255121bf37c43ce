/*
 * A stand-in for libcuda.so.1 that runs on the host, for testing the Java bindings without a GPU.
 * It includes the toolkit's cuda.h, so every function below is defined with the header's exact
 * prototype (the compiler rejects any difference), and "device memory" is host memory: a
 * CUdeviceptr is a host address, copies are memcpy, launches run two known kernels on the host.
 *
 * Test controls (exported, called through FFM): fake_set_init_result, fake_set_device_count,
 * fake_set_capacity, fake_set_param_sizes, fake_clear_launches; observations: fake_live_bytes,
 * fake_ctx_set_current_calls, fake_last_host_alloc_flags, fake_last_dynamic_shared, and the
 * launch record (fake_launch_count, fake_launch_name, fake_launch_geometry, fake_launch_param).
 *
 * Kernels: an image that starts with "CUBIN:ANY" resolves every function name (the kernel-family
 * tests load the real kernel sources); other images know only axpy and args_probe. Every launch is
 * recorded (name, grid, block, dynamic shared memory, and the bytes of each parameter whose size
 * the test registered with fake_set_param_sizes). Besides axpy and args_probe the fake runs three
 * kernels of the shared sources on the host, as they are written in elementwise.c and indexing.c:
 * copy (strided), indexCheck and indexCheckValue; every other launch only records.
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

/* functions of "CUBIN:ANY" modules, by name; a CUfunction is the address of its entry */
#define MAX_FUNCTIONS 256
#define MAX_PARAMS 24
typedef struct { char name[64]; int nparams; int sizes[MAX_PARAMS]; } function_entry;
static function_entry functions[MAX_FUNCTIONS];
static int function_count = 0;
static int dummy_any_module;

/* the launch record */
#define MAX_LAUNCHES 512
#define MAX_PARAM_BYTES 192
typedef struct {
    char name[64];
    unsigned int geometry[7]; /* grid x, y, z, block x, y, z, shared bytes */
    int nparams;
    int sizes[MAX_PARAMS];
    unsigned char params[MAX_PARAMS][MAX_PARAM_BYTES];
} launch_record;
static launch_record launches[MAX_LAUNCHES];
static int launch_count = 0;

static function_entry *function_named(const char *name) {
    for (int i = 0; i < function_count; i++) {
        if (strcmp(functions[i].name, name) == 0) return &functions[i];
    }
    if (function_count == MAX_FUNCTIONS) return NULL;
    function_entry *f = &functions[function_count++];
    strncpy(f->name, name, sizeof f->name - 1);
    f->nparams = 0;
    return f;
}

void fake_set_param_sizes(const char *name, int n, const int *sizes) {
    function_entry *f = function_named(name);
    if (f == NULL || n > MAX_PARAMS) return;
    f->nparams = n;
    for (int i = 0; i < n; i++) f->sizes[i] = sizes[i] > MAX_PARAM_BYTES ? MAX_PARAM_BYTES : sizes[i];
}

void fake_clear_launches(void) { launch_count = 0; }
int fake_launch_count(void) { return launch_count; }
void fake_launch_name(int i, char *out, int len) { strncpy(out, launches[i].name, (size_t) len - 1); out[len - 1] = 0; }
void fake_launch_geometry(int i, unsigned int *out) { memcpy(out, launches[i].geometry, sizeof launches[i].geometry); }
/* the recorded bytes of parameter p (its registered size), or -1 when not recorded */
int fake_launch_param(int i, int p, unsigned char *out) {
    if (p >= launches[i].nparams) return -1;
    memcpy(out, launches[i].params[p], (size_t) launches[i].sizes[p]);
    return launches[i].sizes[p];
}

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
    *module = strncmp((const char *) image, "CUBIN:ANY", 9) == 0 ? (CUmodule) &dummy_any_module : (CUmodule) &dummy_module;
    return CUDA_SUCCESS;
}

CUresult cuModuleUnload(CUmodule hmod) { (void) hmod; return CUDA_SUCCESS; }

CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name) {
    if (hmod == (CUmodule) &dummy_any_module) {
        function_entry *e = function_named(name);
        if (e == NULL) return CUDA_ERROR_OUT_OF_MEMORY;
        *hfunc = (CUfunction) e;
        return CUDA_SUCCESS;
    }
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

/* common.h's Strided: rank, numel, size[8], stride[4][8], offset[4] */
typedef struct { int rank; int numel; int size[8]; int stride[4][8]; int offset[4]; } strided;

static void strided_offsets(const strided *L, int i, int nops, int *o) {
    for (int k = 0; k < nops; k++) o[k] = L->offset[k];
    for (int d = L->rank - 1; d >= 0; d--) {
        int sz = L->size[d];
        int idx = d == 0 ? i : i % sz;
        i = d == 0 ? 0 : i / sz;
        for (int k = 0; k < nops; k++) o[k] += idx * L->stride[k][d];
    }
}

static int valid_index(float v, int size) { return v >= 0.0f && v < (float) size && v == (float) (long long) v; }

/* the host versions of elementwise.c's copy and indexing.c's indexCheck / indexCheckValue */
static CUresult run_shared_kernel(const char *name, unsigned int threads, void **p) {
    if (strcmp(name, "copy") == 0) {
        float *out = *(float **) p[0];
        const float *src = *(const float **) p[1];
        const strided *L = (const strided *) p[2];
        int len = L->rank == 0 ? 1 : L->size[L->rank - 1];
        int rows = len == 0 ? 0 : L->numel / len;
        if ((long long) threads < (long long) rows * ((len + 3) / 4)) return CUDA_ERROR_INVALID_VALUE;
        for (int i = 0; i < L->numel; i++) {
            int o[2];
            strided_offsets(L, i, 2, o);
            out[o[0]] = src[o[1]];
        }
    } else if (strcmp(name, "indexCheck") == 0) {
        int *flags = *(int **) p[0];
        int slot = *(int *) p[1];
        const float *index = *(const float **) p[2];
        int offset = *(int *) p[3], n = *(int *) p[4], size = *(int *) p[5];
        if ((int) threads < n) return CUDA_ERROR_INVALID_VALUE;
        for (int i = 0; i < n; i++) {
            if (!valid_index(index[offset + i], size) && i < flags[2 * slot]) flags[2 * slot] = i;
        }
    } else if (strcmp(name, "indexCheckValue") == 0) {
        int *flags = *(int **) p[0];
        int slot = *(int *) p[1];
        const float *index = *(const float **) p[2];
        int offset = *(int *) p[3];
        if (flags[2 * slot] != 2147483647) memcpy(&flags[2 * slot + 1], &index[offset + flags[2 * slot]], 4);
    }
    return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,
                        unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,
                        unsigned int sharedMemBytes, CUstream hStream, void **kernelParams, void **extra) {
    if (hStream != (CUstream) &dummy_stream || extra != NULL) return CUDA_ERROR_INVALID_VALUE;
    if ((char *) f >= (char *) functions && (char *) f < (char *) (functions + MAX_FUNCTIONS)) {
        const function_entry *e = (const function_entry *) f;
        if (launch_count < MAX_LAUNCHES) {
            launch_record *r = &launches[launch_count++];
            strcpy(r->name, e->name);
            unsigned int g[7] = {gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, sharedMemBytes};
            memcpy(r->geometry, g, sizeof g);
            r->nparams = e->nparams;
            for (int i = 0; i < e->nparams; i++) {
                r->sizes[i] = e->sizes[i];
                memcpy(r->params[i], kernelParams[i], (size_t) e->sizes[i]);
            }
        }
        return run_shared_kernel(e->name, gridDimX * blockDimX * gridDimY * blockDimY * gridDimZ * blockDimZ,
                kernelParams);
    }
    (void) gridDimY; (void) gridDimZ; (void) blockDimY; (void) blockDimZ; (void) sharedMemBytes;
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
