package dev.jmae.gpu;

/**
 * The {@code opencl} backend's fused attention: the host planning of {@link SharedAttention} on an OpenCL
 * device, in the backend's kernel variant (the GPU-style kernels shared with CUDA, or the
 * float16 kernels for CPU drivers).
 */
final class ClAttention extends SharedAttention {

    ClAttention(OpenClBackend backend) {
        super(backend.launcher());
    }
}
