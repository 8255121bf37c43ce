package dev.jmae.gpu.cuda;

import dev.jmae.gpu.SharedOptim;

/**
 * The {@code cuda} backend's the AdamW step (one launch per parameter; see {@link dev.jmae.tensor.OptimKernels}): the shared kernels and the host planning of
 * {@link SharedOptim}, the same as the OpenCL backend's GPU variant, launched by
 * {@link CudaLauncher}.
 */
public final class CudaOptim extends SharedOptim {

    CudaOptim(CudaBackend backend) {
        super(backend.launcher());
    }
}
