package dev.jmae.gpu;

/**
 * The {@code opencl} backend's reductions: the host planning of {@link SharedReductions} on an OpenCL
 * device, in the backend's kernel variant (the GPU-style kernels shared with CUDA, or the
 * float16 kernels for CPU drivers).
 */
final class ClReductions extends SharedReductions {

    ClReductions(OpenClBackend backend) {
        super(backend.launcher(), backend.elementwise());
    }
}
