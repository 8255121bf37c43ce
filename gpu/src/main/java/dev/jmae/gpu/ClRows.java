package dev.jmae.gpu;

/**
 * The {@code opencl} backend's softmax, layer norm and GELU: the host planning of {@link SharedRows} on an OpenCL
 * device, in the backend's kernel variant (the GPU-style kernels shared with CUDA, or the
 * float16 kernels for CPU drivers).
 */
final class ClRows extends SharedRows {

    ClRows(OpenClBackend backend) {
        super(backend.launcher());
    }
}
