package dev.jmae.gpu.cuda;

import dev.jmae.gpu.SharedRows;

/**
 * The {@code cuda} backend's softmax, layer norm and GELU: the shared kernels and the host planning of
 * {@link SharedRows}, the same as the OpenCL backend's GPU variant, launched by
 * {@link CudaLauncher}.
 */
public final class CudaRows extends SharedRows {

    CudaRows(CudaBackend backend) {
        super(backend.launcher());
    }
}
