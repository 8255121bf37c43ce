package dev.jmae.gpu.cuda;

/**
 * What jmae reads about a CUDA device once, from {@code cuDeviceGetAttribute} and friends.
 *
 * @param name the marketing name, e.g. {@code NVIDIA H100 80GB HBM3}
 * @param uuid as nvidia-smi prints it, {@code GPU-...}
 * @param major compute capability, major
 * @param minor compute capability, minor
 * @param multiprocessors streaming multiprocessors (SMs)
 * @param totalMemoryBytes device memory
 * @param maxThreadsPerBlock threads per block at most
 * @param warpSize threads per warp (32)
 * @param sharedMemoryPerBlockBytes shared memory a block gets without opting in (48 KiB)
 * @param sharedMemoryPerBlockOptinBytes shared memory a block may get after
 *     {@code cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)} (227 KiB on Hopper)
 * @param sharedMemoryPerMultiprocessorBytes shared memory per SM
 * @param l2CacheBytes L2 cache
 * @param registersPerBlock 32-bit registers per block at most
 * @param pciBusId PCI bus id
 */
public record CudaDeviceProperties(String name, String uuid, int major, int minor, int multiprocessors,
                                   long totalMemoryBytes, int maxThreadsPerBlock, int warpSize,
                                   int sharedMemoryPerBlockBytes, int sharedMemoryPerBlockOptinBytes,
                                   int sharedMemoryPerMultiprocessorBytes, int l2CacheBytes, int registersPerBlock,
                                   int pciBusId) {

    /**
     * Reads a device's properties.
     *
     * @param driver the driver (initialized)
     * @param device a CUdevice
     * @return the properties
     */
    static CudaDeviceProperties read(CudaDriver driver, int device) {
        return new CudaDeviceProperties(
                driver.deviceName(device),
                driver.deviceUuid(device),
                driver.attribute(DriverAbi.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
                driver.attribute(DriverAbi.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device),
                driver.attribute(DriverAbi.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device),
                driver.totalMemBytes(device),
                driver.attribute(DriverAbi.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, device),
                driver.attribute(DriverAbi.CU_DEVICE_ATTRIBUTE_WARP_SIZE, device),
                driver.attribute(DriverAbi.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK, device),
                driver.attribute(DriverAbi.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, device),
                driver.attribute(DriverAbi.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR, device),
                driver.attribute(DriverAbi.CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, device),
                driver.attribute(DriverAbi.CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK, device),
                driver.attribute(DriverAbi.CU_DEVICE_ATTRIBUTE_PCI_BUS_ID, device));
    }

    /** @return the compute capability as 10·major + minor (90 for 9.0) */
    public int computeCapability() {
        return 10 * major + minor;
    }
}
