// A host emulation of the CUDA built-ins that jmae's CUDA kernels use, so that they run on a CPU
// (FlashAttentionEmulationTest): each block runs on blockDim host threads, one block at a time;
// __syncthreads is a barrier over the block's threads, __shfl_xor_sync and mma.sync are
// warp-collective exchanges over a barrier of the warp's 32 threads. Shared memory: __shared__
// is empty, so the prelude's dynamic `extern __shared__ float jmaeShared[]` names the array
// defined here, and the including file redefines LOCAL_ARRAY as `static` after the prelude
// (static arrays are shared by the block's threads, and blocks do not overlap).
//
// mma.m16n8k8 .tf32 is computed from the documented fragment layouts (PTX ISA, "Matrix fragments
// for mma.m16n8k8"), with double accumulation; cvt.rna.tf32.f32 rounds to 10 mantissa bits, ties
// away from zero. Everything else is plain C++ (C++20, for std::barrier).
//
// Included first, before prelude_cuda.h. Build: g++ -std=c++20 -O1 -pthread.

#include <algorithm>
#include <atomic>
#include <barrier>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#define JMAE_EMULATE 1

#define __global__
#define __device__
#define __shared__
#define __launch_bounds__(...)

struct uint3 {
    unsigned x, y, z;
};

struct dim3 {
    unsigned x, y, z;
    dim3(unsigned x = 1, unsigned y = 1, unsigned z = 1) : x(x), y(y), z(z) {
    }
};

struct float4 {
    float x, y, z, w;
};

inline float4 make_float4(float x, float y, float z, float w) {
    return {x, y, z, w};
}

inline thread_local uint3 threadIdx;
inline thread_local uint3 blockIdx;
inline dim3 blockDim;
inline dim3 gridDim;

inline float __int_as_float(int i) {
    float f;
    std::memcpy(&f, &i, 4);
    return f;
}

inline int __float_as_int(float f) {
    int i;
    std::memcpy(&i, &f, 4);
    return i;
}

inline int min(int a, int b) {
    return a < b ? a : b;
}

inline int max(int a, int b) {
    return a > b ? a : b;
}

inline int atomicMin(int* p, int v) {
    std::atomic_ref<int> r(*p);
    int old = r.load();
    while (v < old && !r.compare_exchange_weak(old, v)) {
    }
    return old;
}

// One warp's exchange area.
struct EmuWarp {
    std::unique_ptr<std::barrier<>> bar;
    float f[32];
    unsigned a[32][4];
    unsigned b[32][2];
};

// The running block: its barrier and warps.
struct EmuBlock {
    std::unique_ptr<std::barrier<>> bar;
    std::vector<EmuWarp> warps;
};

inline EmuBlock* emuBlock;
inline thread_local int emuLane;
inline thread_local int emuWarp;

inline void __syncthreads() {
    emuBlock->bar->arrive_and_wait();
}

inline float __shfl_xor_sync(unsigned, float v, int laneMask) {
    EmuWarp& w = emuBlock->warps[emuWarp];
    w.f[emuLane] = v;
    w.bar->arrive_and_wait();
    float r = w.f[emuLane ^ laneMask];
    w.bar->arrive_and_wait();
    return r;
}

inline unsigned emuToTf32(float x) {
    unsigned u;
    std::memcpy(&u, &x, 4);
    if ((u & 0x7f800000u) == 0x7f800000u) {
        return u;
    }
    return (u + 0x1000u) & 0xffffe000u;
}

inline double emuTf32Value(unsigned u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

inline void emuMmaTf32(float* d, const unsigned* a, unsigned b0, unsigned b1) {
    EmuWarp& w = emuBlock->warps[emuWarp];
    for (int i = 0; i < 4; i++) {
        w.a[emuLane][i] = a[i];
    }
    w.b[emuLane][0] = b0;
    w.b[emuLane][1] = b1;
    w.bar->arrive_and_wait();
    double A[16][8];
    double B[8][8];
    for (int lane = 0; lane < 32; lane++) {
        int g = lane >> 2;
        int t = lane & 3;
        A[g][t] = emuTf32Value(w.a[lane][0]);
        A[g + 8][t] = emuTf32Value(w.a[lane][1]);
        A[g][t + 4] = emuTf32Value(w.a[lane][2]);
        A[g + 8][t + 4] = emuTf32Value(w.a[lane][3]);
        B[t][g] = emuTf32Value(w.b[lane][0]);
        B[t + 4][g] = emuTf32Value(w.b[lane][1]);
    }
    w.bar->arrive_and_wait();
    int g = emuLane >> 2;
    int t = emuLane & 3;
    for (int e = 0; e < 4; e++) {
        int row = g + 8 * (e >> 1);
        int col = 2 * t + (e & 1);
        double s = d[e];
        for (int k = 0; k < 8; k++) {
            s += A[row][k] * B[k][col];
        }
        d[e] = (float) s;
    }
}

// Runs body once per thread of every block of the grid, block after block.
template <class F>
void emuLaunch(dim3 grid, dim3 block, F body) {
    blockDim = block;
    gridDim = grid;
    int n = (int) (block.x * block.y * block.z);
    for (unsigned bz = 0; bz < grid.z; bz++) {
        for (unsigned by = 0; by < grid.y; by++) {
            for (unsigned bx = 0; bx < grid.x; bx++) {
                EmuBlock eb;
                eb.bar = std::make_unique<std::barrier<>>(n);
                eb.warps.resize((n + 31) / 32);
                for (int w = 0; w < (int) eb.warps.size(); w++) {
                    eb.warps[w].bar = std::make_unique<std::barrier<>>(std::min(32, n - 32 * w));
                }
                emuBlock = &eb;
                std::vector<std::thread> threads;
                for (int i = 0; i < n; i++) {
                    threads.emplace_back([=, &body] {
                        threadIdx = {i % block.x, (i / block.x) % block.y, i / (block.x * block.y)};
                        blockIdx = {bx, by, bz};
                        emuLane = i % 32;
                        emuWarp = i / 32;
                        body();
                    });
                }
                for (std::thread& t : threads) {
                    t.join();
                }
                emuBlock = nullptr;
            }
        }
    }
}

// Device memory of the check programs: the host array itself.
struct Buffer {
    std::vector<float> host;
    explicit Buffer(size_t n) : host(std::max<size_t>(n, 1)) {
    }
    float* ptr() {
        return host.data();
    }
    void upload() {
    }
    void download() {
    }
};

#define LAUNCH(kernel, grid, block, sharedBytes, ...) \
    do { \
        if ((sharedBytes) > sizeof(jmaeShared)) { \
            std::fprintf(stderr, "%s: %zu bytes of dynamic shared memory exceed the emulator's %zu\n", #kernel, \
                         (size_t) (sharedBytes), sizeof(jmaeShared)); \
            std::exit(2); \
        } \
        emuLaunch(grid, block, [&] { kernel(__VA_ARGS__); }); \
    } while (0)

#define CHECK_DEVICE()

#define CHECK_MODE "emulated on the CPU"
