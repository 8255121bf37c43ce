package dev.jmae.gpu.cuda;

import dev.jmae.gpu.SharedReductions;

/**
 * The {@code cuda} backend's reductions: the shared kernels and the host planning of
 * {@link SharedReductions}, the same as the OpenCL backend's GPU variant, launched by
 * {@link CudaLauncher}.
 */
public final class CudaReductions extends SharedReductions {

    CudaReductions(CudaBackend backend) {
        super(backend.launcher(), backend.elementwise());
    }
}
