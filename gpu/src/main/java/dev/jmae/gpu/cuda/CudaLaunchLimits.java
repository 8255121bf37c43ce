package dev.jmae.gpu.cuda;

import dev.jmae.gpu.KernelSource;

import java.util.List;

/**
 * The launch limits of every CUDA kernel (the shared kernels of {@link KernelSource#SHARED} and the
 * CUDA-only ones), which the CUDA backend's launches stay within and {@code CudaKernelCompileTest}
 * checks against {@code ptxas -v} for sm_80 and sm_90: the most threads per block a launch uses,
 * the most dynamic shared memory it requests, and the threads per SM the kernel is meant to keep
 * resident, from which the register budget follows.
 *
 * <p>Launch geometry: a shared kernel is launched like its OpenCL twin (the {@code Cl*} class of
 * its family): CUDA's block is OpenCL's local size, its grid is the global size divided by the
 * local size, rounded up (OpenCL rounds the global size up to a multiple of the local size, and the
 * kernels guard their bounds); OpenCL's {@code Local} arguments are dropped from the argument list
 * and their byte sizes, summed in argument order, are the launch's dynamic shared memory. Grid y
 * and z are at most {@link #MAX_GRID_YZ}. The flash-attention kernels' geometry is in
 * {@code flash_attention.cu}.
 *
 * <p>Sources: CUDA C++ Programming Guide, "Compute capabilities" (65536 registers per SM, 255 per
 * thread, 48 KiB of shared memory per block without opting in) and the CUDA occupancy calculator
 * (registers are allocated per warp in units of 256).
 */
public final class CudaLaunchLimits {

    /** 32-bit registers per SM (and at most per block) on sm_80 and sm_90. */
    public static final int REGISTERS_PER_SM = 65536;
    /** Most registers one thread can use. */
    public static final int MAX_REGISTERS_PER_THREAD = 255;
    /** Registers are allocated per warp in units of this many. */
    public static final int REGISTER_ALLOCATION_UNIT = 256;
    /** Shared memory (static plus dynamic) a block may use without cuFuncSetAttribute. */
    public static final int SHARED_BYTES_PER_BLOCK = 48 * 1024;
    /** Largest grid dimension y and z. */
    public static final int MAX_GRID_YZ = 65535;
    /** Threads per block of the elementwise, indexing, optimizer and one-thread-per-output kernels. */
    public static final int ELEMENTWISE_BLOCK = 256;
    /** Lanes (threads per block) of the block-per-output reductions and of the row kernels, at most. */
    public static final int ROW_LANES = 256;
    /** Threads per block of the SIMT GEMM (16 x 16, required by {@code KERNEL_BOUNDS}). */
    public static final int GEMM_BLOCK = 256;
    /** Most rows (threads) per block of the SIMT attention kernels (ClAttention's preferred rows). */
    public static final int ATTENTION_ROWS = 64;
    /** Dynamic shared memory budget of the SIMT attention kernels: 3/4 of a block's, like ClAttention. */
    public static final int ATTENTION_SHARED_BYTES = SHARED_BYTES_PER_BLOCK * 3 / 4;
    /** Threads per block of the flash-attention kernels (4 warps; FLASH_THREADS). */
    public static final int FLASH_BLOCK = 128;
    /** Blocks per SM the flash-attention kernels are compiled for (FLASH_MIN_BLOCKS). */
    public static final int FLASH_MIN_BLOCKS = 2;

    /**
     * NVRTC options for every kernel program, besides {@code --gpu-architecture=sm_XY}: C++17, and
     * IEEE float arithmetic like the OpenCL build (no flush to zero, correctly rounded division and
     * square root), with FMA contraction on (NVRTC's default; OpenCL C contracts too). The one list:
     * {@code Nvrtc.baseOptions()} returns it, the JIT cache keys on it, and the compile test passes
     * it to nvcc (which accepts the same spellings).
     */
    public static final List<String> NVRTC_OPTIONS = List.of("--std=c++17", "--fmad=true", "--prec-div=true",
            "--prec-sqrt=true", "--ftz=false");

    /**
     * One kernel's limits.
     *
     * @param source the kernel's source file (a {@link KernelSource} name)
     * @param kernel the entry point's name
     * @param maxThreadsPerBlock the most threads per block a launch uses
     * @param maxDynamicSharedBytes the most dynamic shared memory a launch requests
     * @param residentThreadsPerSm the threads per SM the kernel should be able to keep resident
     *     (the occupancy target: 2048 for memory-bound kernels)
     */
    public record Kernel(String source, String kernel, int maxThreadsPerBlock, int maxDynamicSharedBytes,
                         int residentThreadsPerSm) {

        /**
         * The most registers per thread that keep {@link #residentThreadsPerSm} threads resident:
         * {@code floor(65536 / warps / 256) * 8}, at most 255.
         *
         * @return the register budget per thread
         */
        public int maxRegisters() {
            int warps = (residentThreadsPerSm + 31) / 32;
            int perThread = REGISTERS_PER_SM / warps / REGISTER_ALLOCATION_UNIT * (REGISTER_ALLOCATION_UNIT / 32);
            return Math.min(MAX_REGISTERS_PER_THREAD, perThread);
        }
    }

    private CudaLaunchLimits() {
    }

    /**
     * The limits of one kernel.
     *
     * @param source its source file (a {@link KernelSource#SHARED} or {@link KernelSource#CUDA_ONLY} name)
     * @param kernel its entry point
     * @return the limits
     * @throws IllegalArgumentException if the kernel is not one of that source's (a new kernel needs
     *     its limits here before the compile test passes)
     */
    public static Kernel of(String source, String kernel) {
        Kernel k = switch (source) {
            case "elementwise.c" -> kernel.matches("copy|fill|where|unary\\w+|binary\\w+")
                    ? new Kernel(source, kernel, ELEMENTWISE_BLOCK, 0, 2048) : null;
            case "reduce.c" -> {
                if (kernel.matches("reduce(Sum|Sqdev|Max|Min)")) {
                    yield new Kernel(source, kernel, ROW_LANES, 4 * ROW_LANES, 2048);
                } else if (kernel.equals("argmax")) {
                    yield new Kernel(source, kernel, ROW_LANES, 8 * ROW_LANES, 2048);
                } else if (kernel.matches("reduce(Rows|Finish)(Sum|Sqdev|Max|Min)|argmaxRows")) {
                    yield new Kernel(source, kernel, ELEMENTWISE_BLOCK, 0, 2048);
                }
                yield null;
            }
            case "gemm.c" -> kernel.equals("matmul") ? new Kernel(source, kernel, GEMM_BLOCK, 0, 512) : null;
            case "rows.c" -> {
                if (kernel.matches("(log)?[sS]oftmax(Forward|Backward)|layerNorm(Forward|Backward)")) {
                    yield new Kernel(source, kernel, ROW_LANES, 4 * ROW_LANES, 1024);
                } else if (kernel.matches("layerNormBackwardParams(Finish)?|gelu(Forward|Backward)")) {
                    yield new Kernel(source, kernel, ELEMENTWISE_BLOCK, 0, 1024);
                }
                yield null;
            }
            case "attention.c" -> {
                if (kernel.matches("attention(Forward|BackwardDq|BackwardDkDv)")) {
                    yield new Kernel(source, kernel, ATTENTION_ROWS, ATTENTION_SHARED_BYTES, 512);
                } else if (kernel.equals("attentionBackwardDelta")) {
                    yield new Kernel(source, kernel, ATTENTION_ROWS, 0, 2048);
                }
                yield null;
            }
            case "indexing.c" -> kernel.matches("indexCheck|indexCheckValue|gather|scatter|indexSelect|argsort")
                    ? new Kernel(source, kernel, ELEMENTWISE_BLOCK, 0, 2048) : null;
            case "optim.c" -> kernel.equals("adamwStep")
                    ? new Kernel(source, kernel, ELEMENTWISE_BLOCK, 0, 2048) : null;
            case "flash_attention.cu" -> kernel.matches("flashAttention(Forward|BackwardDq|BackwardDkDv)(32|64)")
                    ? new Kernel(source, kernel, FLASH_BLOCK, 0, FLASH_BLOCK * FLASH_MIN_BLOCKS) : null;
            default -> null;
        };
        if (k == null) {
            throw new IllegalArgumentException("no CUDA launch limits for kernel '" + kernel + "' of " + source
                    + "; hint: add them to CudaLaunchLimits.of");
        }
        return k;
    }
}
