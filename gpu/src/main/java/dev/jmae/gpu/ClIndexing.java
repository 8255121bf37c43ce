package dev.jmae.gpu;

/**
 * The {@code opencl} backend's indexing and the deferred index checks: the host planning of {@link SharedIndexing} on an OpenCL
 * device, in the backend's kernel variant (the GPU-style kernels shared with CUDA, or the
 * float16 kernels for CPU drivers).
 */
final class ClIndexing extends SharedIndexing {

    ClIndexing(OpenClBackend backend) {
        super(backend.launcher());
    }
}
