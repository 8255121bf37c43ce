package dev.jmae.gpu.cuda;

import dev.jmae.gpu.SharedElementwise;

/**
 * The {@code cuda} backend's movement and elementwise ops (contiguous fill and copy as the driver's
 * memset and copy): the shared kernels and the host planning of {@link SharedElementwise}, the same
 * as the OpenCL backend's GPU variant, launched by {@link CudaLauncher}.
 */
public final class CudaElementwise extends SharedElementwise {

    CudaElementwise(CudaBackend backend) {
        super(backend.launcher());
    }
}
