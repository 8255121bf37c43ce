package dev.jmae.gpu;

/**
 * The {@code opencl} backend's movement and elementwise ops: the host planning of {@link SharedElementwise} on an OpenCL
 * device, in the backend's kernel variant (the GPU-style kernels shared with CUDA, or the
 * float16 kernels for CPU drivers).
 */
final class ClElementwise extends SharedElementwise {

    ClElementwise(OpenClBackend backend) {
        super(backend.launcher());
    }
}
