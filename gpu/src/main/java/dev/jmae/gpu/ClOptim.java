package dev.jmae.gpu;

/**
 * The {@code opencl} backend's the AdamW step: the host planning of {@link SharedOptim} on an OpenCL
 * device, in the backend's kernel variant (the GPU-style kernels shared with CUDA, or the
 * float16 kernels for CPU drivers).
 */
final class ClOptim extends SharedOptim {

    ClOptim(OpenClBackend backend) {
        super(backend.launcher());
    }
}
