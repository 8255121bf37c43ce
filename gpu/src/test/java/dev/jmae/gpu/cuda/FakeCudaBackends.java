package dev.jmae.gpu.cuda;

import dev.jmae.gpu.KernelSource;
import dev.jmae.tensor.Device;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * CUDA backends on the host-emulated driver ({@link FakeCuda}) for tests: the kernel programs are
 * the real sources ({@link KernelSource}, prefixed "ANY " so that the fake resolves every kernel
 * name), "compiled" by a stand-in that returns {@code CUBIN:} and the source.
 */
final class FakeCudaBackends {

    /** The real kernel sources for {@link KernelSource} files, a placeholder for other programs. */
    static final CudaContext.KernelSources SOURCES = program -> KernelSource.SHARED.contains(program)
            || KernelSource.CUDA_ONLY.contains(program)
                    ? "ANY " + KernelSource.assemble(KernelSource.Target.CUDA,
                            program)
                    : program + " source";

    /** A compiler that marks its output as a CUBIN (or as a broken image for sources starting "broken"). */
    static final JitCache.Compiler COMPILER = new JitCache.Compiler() {
        @Override
        public String version() {
            return "fake 1.0";
        }

        @Override
        public byte[] compile(String source, String name, List<String> options) {
            return ((source.startsWith("broken") ? "ELF?" : "CUBIN:") + source).getBytes(StandardCharsets.UTF_8);
        }
    };

    private FakeCudaBackends() {
    }

    /**
     * A backend on the fake driver (reset first), without cuBLASLt.
     *
     * @param fake the fake driver
     * @param cache the JIT cache folder
     * @return {@code cuda:0} on the fake
     */
    static CudaBackend open(FakeCuda fake, Path cache) {
        CudaContext context = CudaContext.open(fake.driver, 0, new JitCache(cache, COMPILER), new int[] {80, 90},
                SOURCES, 1 << 20);
        return new CudaBackend(new Device("cuda", 0), context, null, "no cuBLASLt in this test");
    }
}
