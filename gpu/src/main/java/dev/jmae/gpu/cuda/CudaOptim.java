package dev.jmae.gpu.cuda;

import dev.jmae.gpu.SharedOptim;

/**
 * The {@code cuda} backend's AdamW step: one launch of the shared {@code adamwStep} kernel per
 * parameter (see docs/architecture.md on why there is no multi-tensor step yet), with the host
 * planning of {@link SharedOptim}, launched by {@link CudaLauncher}.
 */
public final class CudaOptim extends SharedOptim {

    CudaOptim(CudaBackend backend) {
        super(backend.launcher());
    }
}
