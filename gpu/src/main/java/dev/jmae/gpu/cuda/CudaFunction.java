package dev.jmae.gpu.cuda;

import java.lang.foreign.MemorySegment;

/**
 * A loaded kernel: its {@code CUfunction} and the resource use the compiler gave it, read once
 * ({@code cuFuncGetAttribute}), so launch code can check its geometry against them.
 */
final class CudaFunction {

    private final String program;
    private final String name;
    private final MemorySegment handle;
    private final int maxThreadsPerBlock;
    private final int staticSharedBytes;
    private final int registers;
    private final int localBytes;
    private int dynamicSharedLimit;

    CudaFunction(String program, String name, MemorySegment handle, int maxThreadsPerBlock, int staticSharedBytes,
                 int registers, int localBytes, int dynamicSharedLimit) {
        this.program = program;
        this.name = name;
        this.handle = handle;
        this.maxThreadsPerBlock = maxThreadsPerBlock;
        this.staticSharedBytes = staticSharedBytes;
        this.registers = registers;
        this.localBytes = localBytes;
        this.dynamicSharedLimit = dynamicSharedLimit;
    }

    /** @return the program (source file) the kernel comes from */
    String program() {
        return program;
    }

    /** @return the kernel name */
    String name() {
        return name;
    }

    /** @return the CUfunction */
    MemorySegment handle() {
        return handle;
    }

    /** @return CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK: threads per block this kernel can launch with */
    int maxThreadsPerBlock() {
        return maxThreadsPerBlock;
    }

    /** @return CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES: static shared memory per block */
    int staticSharedBytes() {
        return staticSharedBytes;
    }

    /** @return CU_FUNC_ATTRIBUTE_NUM_REGS: registers per thread */
    int registers() {
        return registers;
    }

    /** @return CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES: local memory (spills, stack) per thread */
    int localBytes() {
        return localBytes;
    }

    /** @return the dynamic shared memory a launch may ask for now (raised on demand up to the opt-in limit) */
    synchronized int dynamicSharedLimit() {
        return dynamicSharedLimit;
    }

    synchronized void dynamicSharedLimit(int bytes) {
        dynamicSharedLimit = bytes;
    }

    @Override
    public String toString() {
        return name + " (" + program + ": " + registers + " registers, " + staticSharedBytes + " B static shared, "
                + localBytes + " B local)";
    }
}
