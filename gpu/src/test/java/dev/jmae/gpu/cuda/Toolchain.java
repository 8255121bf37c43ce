package dev.jmae.gpu.cuda;

import dev.jmae.gpu.KernelSource;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test support for the checks that compile CUDA code without a GPU: finding {@code nvcc} and
 * {@code g++}, running a command with a time limit, and reading kernel and test resources. When a
 * tool is missing the test fails if the environment variable CI is "true" (.ci/run installs g++;
 * nvcc comes from the CUDA toolkit) and is skipped otherwise.
 */
final class Toolchain {

    private Toolchain() {
    }

    /** The result of a finished command. */
    record Run(int exitCode, String output) {
    }

    /**
     * nvcc: on the PATH, in $CUDA_HOME/bin, or in the newest /usr/local/cuda*&#47;bin.
     *
     * @return its path
     */
    static Path nvcc() {
        List<Path> candidates = new ArrayList<>(onPath("nvcc"));
        String home = System.getenv("CUDA_HOME");
        if (home != null) {
            candidates.add(Path.of(home, "bin", "nvcc"));
        }
        try (Stream<Path> dirs = Files.list(Path.of("/usr/local"))) {
            dirs.filter(d -> d.getFileName().toString().startsWith("cuda"))
                    .sorted(Comparator.comparing((Path d) -> d.getFileName().toString()).reversed())
                    .forEach(d -> candidates.add(d.resolve("bin").resolve("nvcc")));
        } catch (IOException e) {
            // no /usr/local: only the PATH and CUDA_HOME count
        }
        return require("nvcc", candidates.stream().filter(Files::isExecutable).findFirst(),
                "install the CUDA toolkit (nvcc and ptxas; /usr/local/cuda-13.0 on our machines) or set CUDA_HOME");
    }

    /** @return g++ from the PATH (C++20, for the emulator's std::barrier) */
    static Path gxx() {
        return require("g++", onPath("g++").stream().filter(Files::isExecutable).findFirst(),
                "install g++ (Debian package g++)");
    }

    private static List<Path> onPath(String tool) {
        List<Path> out = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    out.add(Path.of(dir, tool));
                }
            }
        }
        return out;
    }

    private static Path require(String tool, Optional<Path> found, String hint) {
        if (found.isPresent()) {
            return found.get();
        }
        String reason = tool + " not found; hint: " + hint;
        if ("true".equals(System.getenv("CI"))) {
            fail("CI needs " + reason);
        }
        Assumptions.assumeTrue(false, reason);
        throw new AssertionError("unreachable");
    }

    /**
     * Runs a command, output and errors merged.
     *
     * @param dir working directory
     * @param timeoutSeconds the limit
     * @param command the command
     * @return exit code and output
     */
    static Run run(Path dir, long timeoutSeconds, List<String> command) {
        try {
            Path log = Files.createTempFile(dir, "run", ".log");
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + " ran past " + timeoutSeconds + " s");
            }
            return new Run(p.exitValue(), new String(Files.readAllBytes(log), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    /**
     * A test resource's text.
     *
     * @param path class-path resource path
     * @return its content
     */
    static String testResource(String path) {
        try (var in = Toolchain.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + path + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Files concatenated into one translation unit, each after a {@code #line 1 "name"} directive.
     *
     * @param parts pairs of (name, text)
     * @return the unit
     */
    static String unit(String... parts) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.length; i += 2) {
            sb.append("#line 1 \"").append(parts[i]).append("\"\n").append(parts[i + 1]).append('\n');
        }
        return sb.toString();
    }

    /**
     * A kernel resource as a (name, text) pair for {@link #unit}.
     *
     * @param file a name under {@link KernelSource#FOLDER}
     * @return name and text
     */
    static String[] kernel(String file) {
        return new String[] {file, KernelSource.read(file)};
    }
}
