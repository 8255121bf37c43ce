package dev.jmae.gpu.cuda;

import dev.jmae.tensor.testing.KernelsTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** docs/kernels.md's cuda column against the CUDA backend's family classes (on the fake driver). */
class CudaKernelFamiliesTest {

    @Test
    void cudaImplementsEveryFamilyInSameStemFiles(@TempDir Path cache) {
        KernelsTable.read().assertColumn("cuda", "Cuda", FakeCudaBackends.open(FakeCuda.get(), cache));
    }
}
