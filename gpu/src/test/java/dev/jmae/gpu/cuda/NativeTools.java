package dev.jmae.gpu.cuda;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test support for the CUDA bindings: the C compiler and the toolkit headers the header checks and
 * the fake libraries need, and the CI rule: where the environment variable CI is "true" a missing
 * tool fails the test, elsewhere it skips it with the reason.
 */
final class NativeTools {

    private NativeTools() {
    }

    /** @return whether this run is CI (missing tools are failures there) */
    static boolean ci() {
        return "true".equals(System.getenv("CI"));
    }

    /**
     * Skips the test (or fails it in CI) unless a condition holds.
     *
     * @param ok the condition
     * @param reason what is missing and what to install
     */
    static void require(boolean ok, String reason) {
        if (!ok) {
            if (ci()) {
                fail("required in CI: " + reason);
            }
            Assumptions.assumeTrue(false, reason);
        }
    }

    /**
     * The C compiler on PATH ({@code gcc}, else {@code cc}), or null.
     *
     * @return its path
     */
    static Path compiler() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String name : List.of("gcc", "cc")) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /**
     * The first toolkit include folder holding a header, found like nvcc's
     * ({@link CudaToolkit#includeDirs()}), or null.
     *
     * @param header e.g. {@code cuda.h}
     * @return the folder
     */
    static Path includeDirWith(String header) {
        for (Path d : CudaToolkit.includeDirs()) {
            if (Files.isRegularFile(d.resolve(header))) {
                return d;
            }
        }
        return null;
    }

    /**
     * The C compiler and the folder holding {@code cuda.h}, skipping the test (failing in CI)
     * when either is missing.
     *
     * @return {compiler, include folder}
     */
    static Path[] requireCompilerAndCudaHeader() {
        Path cc = compiler();
        require(cc != null, "no C compiler (gcc or cc) on PATH; hint: apt-get install gcc");
        Path inc = includeDirWith("cuda.h");
        require(inc != null, "no CUDA toolkit headers (cuda.h) in " + CudaToolkit.includeDirs()
                + "; hint: install the CUDA toolkit (or set CUDA_HOME)");
        return new Path[] {cc, inc};
    }

    /**
     * Runs a command and returns its output.
     *
     * @param command the command
     * @return stdout and stderr together
     * @throws AssertionError if it does not finish within 120 s or exits non-zero
     */
    static String run(List<String> command) {
        Result r = tryRun(command);
        if (r.exit() != 0) {
            fail(String.join(" ", command) + " exited with " + r.exit() + ":\n" + r.output());
        }
        return r.output();
    }

    /**
     * A finished command.
     *
     * @param exit exit status
     * @param output stdout and stderr together
     */
    record Result(int exit, String output) {
    }

    /**
     * Runs a command, whatever its exit status.
     *
     * @param command the command
     * @return its status and output
     */
    static Result tryRun(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + " did not finish in 120 s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Compiles a C test resource of this package into a shared library.
     *
     * @param cc the compiler
     * @param include an include folder, or null
     * @param resource the file name under {@code dev/jmae/gpu/cuda/}
     * @param out the library to write
     * @return {@code out}
     */
    static Path compileShared(Path cc, Path include, String resource, Path out) {
        try (InputStream in = NativeTools.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + resource + " is missing");
            }
            Path src = out.resolveSibling(resource);
            Files.write(src, in.readAllBytes());
            List<String> cmd = new ArrayList<>(List.of(cc.toString(), "-shared", "-fPIC", "-std=c11", "-Wall",
                    "-Werror", "-O1"));
            if (include != null) {
                cmd.add("-I" + include);
            }
            cmd.addAll(List.of("-o", out.toString(), src.toString()));
            run(cmd);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
