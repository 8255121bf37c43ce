package dev.jmae.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The kernel sources of the device backends, as the text one JIT compiles: the target's prelude,
 * {@code common.h}, then one source, each introduced by a {@code #line} directive so that compiler
 * messages name the resource and line.
 *
 * <p>The sources live under {@code dev/jmae/gpu/kernels/}. The {@linkplain #SHARED shared sources}
 * (one per kernel family) are written once in the shared dialect and compiled by both OpenCL
 * (ClRuntime, as OpenCL C 1.2) and CUDA (NVRTC, as CUDA C++); the {@linkplain #CUDA_ONLY CUDA-only
 * sources} hold tensor-core kernels with the shared ones as their fallback. The dialect's rules are
 * in docs/architecture.md and the preludes' comments.
 */
public final class KernelSource {

    /** Where the kernel sources live on the class path. */
    public static final String FOLDER = "/dev/jmae/gpu/kernels/";
    /** The shared definitions every program includes after its prelude. */
    public static final String COMMON = "common.h";
    /** The shared sources, one per kernel family; every kernel in them compiles for both targets. */
    public static final List<String> SHARED = List.of("elementwise.c", "reduce.c", "gemm.c", "rows.c", "attention.c",
            "indexing.c", "optim.c");
    /** Sources compiled for CUDA only. */
    public static final List<String> CUDA_ONLY = List.of("flash_attention.cu");

    /** A compiler and its prelude. */
    public enum Target {
        /** OpenCL C 1.2, built by the OpenCL driver. */
        OPENCL("prelude_opencl.h"),
        /** CUDA C++, compiled by NVRTC (and by nvcc in the compile test). */
        CUDA("prelude_cuda.h");

        private final String prelude;

        Target(String prelude) {
            this.prelude = prelude;
        }

        /** @return the prelude's file name under {@link #FOLDER} */
        public String prelude() {
            return prelude;
        }
    }

    private KernelSource() {
    }

    /**
     * The program text of one source for one target: prelude, {@code common.h}, the source.
     *
     * @param target the compiler
     * @param file a name from {@link #SHARED}, or from {@link #CUDA_ONLY} for {@link Target#CUDA}
     * @return the text to compile
     * @throws IllegalArgumentException if the file is not a kernel source of that target
     * @throws IllegalStateException if a resource is missing from the class path
     */
    public static String assemble(Target target, String file) {
        if (!SHARED.contains(file) && !(target == Target.CUDA && CUDA_ONLY.contains(file))) {
            throw new IllegalArgumentException("no " + target + " kernel source '" + file + "'; expected one of "
                    + SHARED + (target == Target.CUDA ? " or " + CUDA_ONLY : ""));
        }
        return section(target.prelude()) + section(COMMON) + section(file);
    }

    private static String section(String file) {
        return "#line 1 \"" + file + "\"\n" + read(file) + "\n";
    }

    /**
     * One resource's text.
     *
     * @param file a file name under {@link #FOLDER}
     * @return its content (UTF-8)
     * @throws IllegalStateException if it is missing from the class path
     */
    public static String read(String file) {
        String path = FOLDER + file;
        try (InputStream in = KernelSource.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("kernel source " + path + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel source " + path, e);
        }
    }
}
