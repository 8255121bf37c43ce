package dev.jmae.nn.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs the PyTorch scripts under {@code tools/golden} from tests. PyTorch comes from Debian's
 * {@code python3-torch} under {@code /usr/bin/python3}; {@code .ci/run} installs it, so in CI
 * (CI=true) its absence fails the test, while a developer machine without it skips the test.
 */
public final class PyTorch {

    /** The interpreter with Debian's torch. */
    public static final String PYTHON = "/usr/bin/python3";

    private static Boolean available;

    private PyTorch() {
    }

    /** The output and exit status of a script run. */
    public record Result(int exitCode, String output) {
    }

    /** Skips the calling test when PyTorch is missing, or fails it in CI. */
    public static void require() {
        if (available == null) {
            available = run(List.of(PYTHON, "-c", "import torch")).exitCode() == 0;
        }
        if (!available) {
            String why = PYTHON + " cannot import torch; hint: apt-get install python3-torch";
            if ("true".equals(System.getenv("CI"))) {
                fail(why + " (CI must have it: .ci/run installs it)");
            }
            Assumptions.assumeTrue(false, why);
        }
    }

    /**
     * The repository's {@code tools/golden} directory, found from the working directory upwards.
     *
     * @return the directory
     */
    public static Path goldenTools() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("tools/golden");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("tools/golden not found above " + Path.of("").toAbsolutePath());
    }

    /**
     * Runs a script from tools/golden with the torch interpreter.
     *
     * @param script e.g. {@code check_state_dict.py}
     * @param args its arguments
     * @return exit code and combined output
     */
    public static Result script(String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, goldenTools().resolve(script).toString()));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    private static Result run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Result(-1, "timed out: " + cmd);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, e.toString());
        }
    }
}
