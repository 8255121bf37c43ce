// The jmae kernel dialect, CUDA C++ side, as NVRTC compiles it (no host headers: everything used
// here is built into NVRTC). Prepended (before common.h and one family source, or a CUDA-only
// source) by the CUDA backend; compiled with CudaLaunchLimits.NVRTC_OPTIONS for the device's sm_XY.
//
// prelude_opencl.h defines exactly the same names (PreludeMacrosTest), so a shared kernel that uses
// only these, plain C (int, float, structs, fixed-size arrays, loops, the ternary) and common.h
// compiles for both targets. The rules are in docs/architecture.md ("the shared dialect").

#define TARGET_CUDA 1

#ifdef VARIANT_CPU
#error "VARIANT_CPU selects OpenCL-only kernels for CPU drivers; CUDA builds the shared (GPU-style) kernels"
#endif

// ---- qualifiers ----
// Entry points have C linkage so that cuModuleGetFunction finds them by their source name.
#define KERNEL extern "C" __global__
#define KERNEL_BOUNDS(x, y, z) __launch_bounds__((x) * (y) * (z))
#define DEVICE static __device__ inline
#define GLOBAL
#define LOCAL
#define LOCAL_ARRAY __shared__

// ---- local memory sized at launch: the launch's dynamic shared memory (see prelude_opencl.h) ----
extern __shared__ float jmaeShared[];
#define LOCAL_ARG(type, name)
#define LOCAL_BIND(type, name, offsetWords) type* name = (type*) (jmaeShared + (offsetWords))

// ---- geometry (d is the literal 0, 1 or 2) ----
#define JMAE_AXIS_0 x
#define JMAE_AXIS_1 y
#define JMAE_AXIS_2 z
#define THREAD_ID(d) ((int) threadIdx.JMAE_AXIS_##d)
#define GROUP_ID(d) ((int) blockIdx.JMAE_AXIS_##d)
#define GROUP_SIZE(d) ((int) blockDim.JMAE_AXIS_##d)
#define GLOBAL_ID(d) ((int) (blockIdx.JMAE_AXIS_##d * blockDim.JMAE_AXIS_##d + threadIdx.JMAE_AXIS_##d))

// ---- synchronization and atomics ----
#define BARRIER() __syncthreads()
#define ATOMIC_MIN(p, v) atomicMin(p, v)

// ---- bits and classification (IEEE comparisons: NVRTC builds without fast-math) ----
#define FLOAT_AS_INT(x) __float_as_int(x)
#define INT_AS_FLOAT(x) __int_as_float(x)
#define IS_NAN(x) ((x) != (x))
#define IS_INF(x) (fabsf(x) == INFINITY)
#define SIGN_BIT(x) (__float_as_int(x) < 0)

// ---- integer min and max ----
#define IMIN(a, b) min(a, b)
#define IMAX(a, b) max(a, b)

// ---- float math: CUDA's own C99 float functions; listed (as themselves) so that both preludes
// name the same set ----
#define expf(x) expf(x)
#define exp2f(x) exp2f(x)
#define logf(x) logf(x)
#define sqrtf(x) sqrtf(x)
#define tanhf(x) tanhf(x)
#define powf(x, y) powf(x, y)
#define fabsf(x) fabsf(x)
#define floorf(x) floorf(x)
#define fmaf(a, b, c) fmaf(a, b, c)
#define fmaxf(a, b) fmaxf(a, b)
#define fminf(a, b) fminf(a, b)
#define copysignf(x, y) copysignf(x, y)

// NVRTC has no <math.h> or <limits.h>; nvcc (used by the compile test) has, so replace theirs.
#undef INFINITY
#undef NAN
#undef INT_MAX
#define INFINITY __int_as_float(0x7f800000)
#define NAN __int_as_float(0x7fc00000)
#define INT_MAX 2147483647

// ---- four consecutive floats (p needs only 4-byte alignment; one 16-byte access when aligned) ----
DEVICE void load4(const GLOBAL float* p, float* v) {
    if ((((unsigned long long) p) & 15) == 0) {
        float4 t = *(const float4*) p;
        v[0] = t.x;
        v[1] = t.y;
        v[2] = t.z;
        v[3] = t.w;
    } else {
        v[0] = p[0];
        v[1] = p[1];
        v[2] = p[2];
        v[3] = p[3];
    }
}

DEVICE void store4(GLOBAL float* p, const float* v) {
    if ((((unsigned long long) p) & 15) == 0) {
        *(float4*) p = make_float4(v[0], v[1], v[2], v[3]);
    } else {
        p[0] = v[0];
        p[1] = v[1];
        p[2] = v[2];
        p[3] = v[3];
    }
}
