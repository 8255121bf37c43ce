package dev.jmae.gpu.cuda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The CUDA attention kernels run on the CPU: attention.c's SIMT kernels through prelude_cuda.h
 * (the CUDA side of the shared dialect, including the dynamic shared-memory binds) and
 * flash_attention.cu's tensor-core kernels, forward and backward, built with g++ against the host
 * emulation of the CUDA built-ins (emulator.h: blocks on host threads, warp shuffles and TF32
 * mma.sync from their documented fragment layouts), and checked by attention_check.cu against a
 * double-precision reference on awkward sizes and strided layouts. The same check program builds
 * with nvcc for a real GPU (device.h). Limits and their reasons are in attention_check.cu.
 */
class CudaAttentionEmulationTest {

    private static final String EMULATION = "/dev/jmae/gpu/emulation/";
    /** Cases times kernel families (simt, flash) times tensors, as attention_check.cu prints them. */
    private static final int CHECKS = 64;

    @Test
    void attentionKernelsMatchTheReferenceOnTheEmulator() throws IOException {
        Path gxx = Toolchain.gxx();
        Path dir = Files.createDirectories(Path.of("target", "cuda-emulation"));
        String unit = Toolchain.unit(join(
                new String[] {"emulator.h", Toolchain.testResource(EMULATION + "emulator.h")},
                Toolchain.kernel("prelude_cuda.h"),
                new String[] {"emulator_shared.h", Toolchain.testResource(EMULATION + "emulator_shared.h")},
                Toolchain.kernel("common.h"), Toolchain.kernel("attention.c"), Toolchain.kernel("flash_attention.cu"),
                new String[] {"attention_check.cu", Toolchain.testResource(EMULATION + "attention_check.cu")}));
        Files.writeString(dir.resolve("attention_check.cpp"), unit);
        Toolchain.Run build = Toolchain.run(dir, 300, List.of(gxx.toString(), "-std=c++20", "-O1", "-pthread",
                "-Wall", "-Wno-unknown-pragmas", "-Wno-unused-function", "-o", "attention_check",
                "attention_check.cpp"));
        assertEquals(0, build.exitCode(), () -> "g++ failed:\n" + build.output());
        assertFalse(build.output().contains("warning"), () -> "g++ warnings:\n" + build.output());
        Path program = dir.resolve("attention_check").toAbsolutePath();
        Toolchain.Run run = Toolchain.run(dir, 600, List.of(program.toString()));
        System.out.print(run.output());
        assertEquals(0, run.exitCode(), () -> "attention_check failed:\n" + run.output());
        long ok = run.output().lines().filter(l -> l.startsWith("check ") && l.endsWith(" ok")).count();
        assertEquals(CHECKS, ok, () -> "expected " + CHECKS + " passing checks:\n" + run.output());
    }

    private static String[] join(String[]... pairs) {
        return java.util.Arrays.stream(pairs).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }
}
