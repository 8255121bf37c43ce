// The jmae kernel dialect, OpenCL C 1.2 side. Prepended (before common.h and one family source)
// by ClRuntime; built with -cl-std=CL1.2, -D VARIANT_GPU or -D VARIANT_CPU, no fast-math options,
// and -cl-fp32-correctly-rounded-divide-sqrt where the device supports it.
//
// prelude_cuda.h defines exactly the same names (PreludeMacrosTest), so a shared kernel that uses
// only these, plain C (int, float, structs, fixed-size arrays, loops, the ternary) and common.h
// compiles for both targets. The rules are in docs/architecture.md ("the shared dialect").

#define TARGET_OPENCL 1

// ---- qualifiers ----
// KERNEL void name(...): an entry point, found by name (clCreateKernel; cuModuleGetFunction).
#define KERNEL kernel
// KERNEL KERNEL_BOUNDS(x, y, z) void name(...): the only work-group shape the kernel is launched
// with (OpenCL: required; CUDA: __launch_bounds__(x*y*z), so ptxas fits registers to it).
#define KERNEL_BOUNDS(x, y, z) __attribute__((reqd_work_group_size(x, y, z)))
// DEVICE type name(...): a helper function callable from kernels.
#define DEVICE inline
// Pointers into global memory (kernel arguments that are buffers).
#define GLOBAL global
// Pointers into local (CUDA: shared) memory.
#define LOCAL local
// A fixed-size array in local (CUDA: shared) memory, declared at kernel scope:
// LOCAL_ARRAY float tile[16][65];
#define LOCAL_ARRAY local

// ---- local memory sized at launch ----
// Written last in a kernel's parameter list, without a comma before it:
//   KERNEL void k(GLOBAL float* out, const int n LOCAL_ARG(float, a) LOCAL_ARG(int, b)) {
//       LOCAL_BIND(float, a, 0);
//       LOCAL_BIND(int, b, GROUP_SIZE(0));
// OpenCL: each is a `local type*` argument (clSetKernelArg with a size and no value); the binds
// are empty. CUDA: the arguments do not exist; the launch's dynamic shared memory holds the
// buffers back to back, in parameter order, and LOCAL_BIND points `name` at the given offset,
// counted in 4-byte words (every local type is 4 bytes wide).
#define LOCAL_ARG(type, name) , local type* name
#define LOCAL_BIND(type, name, offsetWords)

// ---- geometry (d is the literal 0, 1 or 2) ----
#define THREAD_ID(d) ((int) get_local_id(d))
#define GROUP_ID(d) ((int) get_group_id(d))
#define GROUP_SIZE(d) ((int) get_local_size(d))
#define GLOBAL_ID(d) ((int) get_global_id(d))

// ---- synchronization and atomics (integers only: no float atomics, for determinism) ----
// A barrier for all work-items of the group that also orders their local-memory accesses.
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
// *p = min(*p, v) atomically on a GLOBAL int.
#define ATOMIC_MIN(p, v) atomic_min(p, v)

// ---- bits and classification ----
#define FLOAT_AS_INT(x) as_int(x)
#define INT_AS_FLOAT(x) as_float(x)
#define IS_NAN(x) isnan(x)
#define IS_INF(x) isinf(x)
#define SIGN_BIT(x) signbit(x)

// ---- integer min and max ----
#define IMIN(a, b) min(a, b)
#define IMAX(a, b) max(a, b)

// ---- float math: the C99 float names, which CUDA has natively ----
#define expf(x) exp(x)
#define exp2f(x) exp2(x)
#define logf(x) log(x)
#define sqrtf(x) sqrt(x)
#define tanhf(x) tanh(x)
#define powf(x, y) pow(x, y)
#define fabsf(x) fabs(x)
#define floorf(x) floor(x)
#define fmaf(a, b, c) fma(a, b, c)
#define fmaxf(a, b) fmax(a, b)
#define fminf(a, b) fmin(a, b)
#define copysignf(x, y) copysign(x, y)

// INFINITY, NAN and INT_MAX are OpenCL C's own; prelude_cuda.h defines them.

// ---- four consecutive floats (p needs only 4-byte alignment) ----
DEVICE void load4(const GLOBAL float* p, float* v) {
    float4 t = vload4(0, p);
    v[0] = t.s0;
    v[1] = t.s1;
    v[2] = t.s2;
    v[3] = t.s3;
}

DEVICE void store4(GLOBAL float* p, const float* v) {
    vstore4((float4) (v[0], v[1], v[2], v[3]), 0, p);
}
