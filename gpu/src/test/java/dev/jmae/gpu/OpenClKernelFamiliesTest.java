package dev.jmae.gpu;

import dev.jmae.tensor.testing.KernelsTable;
import org.junit.jupiter.api.Test;

/** docs/kernels.md's opencl column against the OpenCL backend's family classes. */
class OpenClKernelFamiliesTest {

    @Test
    void openclImplementsEveryFamilyInSameStemFiles() {
        KernelsTable.read().assertColumn("opencl", "Cl", GpuTesting.openclDevice().backend());
    }
}
