// The same check programs on a real GPU (the device check): compiled by nvcc with the CUDA runtime,
// instead of emulator.h. Included first, before prelude_cuda.h:
//   cat device.h prelude_cuda.h common.h attention.c flash_attention.cu attention_check.cu > check.cu
// (the kernels from gpu/src/main/resources/dev/jmae/gpu/kernels/)
//   nvcc -arch=sm_90 -o check check.cu && ./check

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <cuda_runtime.h>

inline void checkCuda(cudaError_t e, const char* what) {
    if (e != cudaSuccess) {
        std::fprintf(stderr, "%s: %s\n", what, cudaGetErrorString(e));
        std::exit(2);
    }
}

// A device buffer with its host mirror.
struct Buffer {
    std::vector<float> host;
    float* dev = nullptr;
    explicit Buffer(size_t n) : host(std::max<size_t>(n, 1)) {
        checkCuda(cudaMalloc(&dev, host.size() * sizeof(float)), "cudaMalloc");
        checkCuda(cudaMemset(dev, 0, host.size() * sizeof(float)), "cudaMemset");
    }
    ~Buffer() {
        cudaFree(dev);
    }
    Buffer(const Buffer&) = delete;
    float* ptr() {
        return dev;
    }
    void upload() {
        checkCuda(cudaMemcpy(dev, host.data(), host.size() * sizeof(float), cudaMemcpyHostToDevice), "upload");
    }
    void download() {
        checkCuda(cudaMemcpy(host.data(), dev, host.size() * sizeof(float), cudaMemcpyDeviceToHost), "download");
    }
};

#define LAUNCH(kernel, grid, block, sharedBytes, ...) \
    do { \
        kernel<<<grid, block, sharedBytes>>>(__VA_ARGS__); \
        checkCuda(cudaGetLastError(), #kernel); \
    } while (0)

#define CHECK_DEVICE() checkCuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize")

#define CHECK_MODE "on the GPU"
