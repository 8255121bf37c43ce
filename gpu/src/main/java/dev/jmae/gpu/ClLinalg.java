package dev.jmae.gpu;

/**
 * The {@code opencl} backend's matmul: the host planning of {@link SharedLinalg} on an OpenCL
 * device, in the backend's kernel variant (the GPU-style kernels shared with CUDA, or the
 * float16 kernels for CPU drivers).
 */
final class ClLinalg extends SharedLinalg {

    ClLinalg(OpenClBackend backend) {
        super(backend.launcher());
    }
}
