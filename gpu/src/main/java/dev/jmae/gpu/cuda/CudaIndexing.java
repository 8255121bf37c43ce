package dev.jmae.gpu.cuda;

import dev.jmae.gpu.SharedIndexing;

/**
 * The {@code cuda} backend's gather, scatter, indexSelect and argsort: the shared kernels and the
 * deferred index checks of {@link SharedIndexing} (flags in a small device buffer, read in one
 * control read at the next {@link CudaBackend#read} or {@link CudaBackend#synchronize}).
 */
public final class CudaIndexing extends SharedIndexing {

    CudaIndexing(CudaBackend backend) {
        super(backend.launcher());
    }
}
