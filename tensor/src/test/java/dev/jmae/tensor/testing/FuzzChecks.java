package dev.jmae.tensor.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The property every fuzz target checks on each input: the reader either succeeds or throws one
 * of its documented exception types; anything else escaping (an unchecked exception, an
 * {@link OutOfMemoryError}, a {@link StackOverflowError}) is rethrown as the finding; and the
 * bytes it allocated on the heap stay within {@code baseBytes + bytesPerInputByte * input length}
 * (see {@link Allocations}; an input over the bound is run a second time, so that the class loading
 * and static initialization of a first run do not count). Hangs are caught by the fuzz test's
 * {@code @Timeout}.
 */
public final class FuzzChecks {

    private static Path scratch;

    private FuzzChecks() {
    }

    /**
     * Runs a reader on one fuzz input and checks the property.
     *
     * @param inputBytes the input's length
     * @param baseBytes allocation allowed whatever the input (buffers, parser state)
     * @param bytesPerInputByte allocation allowed per input byte
     * @param action the reader
     * @param documented the exception types the reader documents for bad input
     * @throws Throwable the undocumented throwable the reader threw, or an {@link AssertionError}
     *     for an allocation beyond the bound
     */
    @SafeVarargs
    public static void check(int inputBytes, long baseBytes, long bytesPerInputByte, Allocations.Action action,
                             Class<? extends Throwable>... documented)
            throws Throwable {
        Allocations.Result r = Allocations.measure(action);
        Throwable t = r.thrown();
        if (t != null && Arrays.stream(documented).noneMatch(c -> c.isInstance(t))) {
            throw t;
        }
        long allowed = baseBytes + bytesPerInputByte * inputBytes;
        if (r.allocatedBytes() > allowed) {
            // the first run of a code path also pays class loading and static initialization:
            // an allocation beyond the bound counts only if a second run repeats it
            r = Allocations.measure(action);
        }
        if (r.allocatedBytes() > allowed) {
            throw new AssertionError("allocated " + r.allocatedBytes() + " bytes for an input of " + inputBytes
                    + " bytes, more than the " + allowed + " it can justify"
                    + (t == null ? "" : " (then threw " + t + ")"));
        }
    }

    /** A fuzz target's body. */
    @FunctionalInterface
    public interface Target {
        /**
         * Runs the target on one input.
         *
         * @param input the input
         * @throws Throwable whatever the target throws
         */
        void run(byte[] input) throws Throwable;
    }

    /**
     * Runs a target on each committed seed of its inputs folder, ignoring the outcome, so that the
     * classes the reader needs are loaded and instrumented before the fuzzer times the first
     * input (under load, instrumenting Jackson alone took over 10 s). Call it from the fuzz test
     * class's static initializer.
     *
     * @param testClass the fuzz test class
     * @param method the {@code @FuzzTest} method's name
     * @param target the method's body
     */
    public static void warmUp(Class<?> testClass, String method, Target target) {
        String dir = "/" + testClass.getPackageName().replace('.', '/') + "/" + testClass.getSimpleName() + "Inputs/"
                + method;
        try {
            java.net.URL url = testClass.getResource(dir);
            if (url == null || !url.getProtocol().equals("file")) {
                return;
            }
            try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
                for (Path f : files.filter(p -> p.getFileName().toString().startsWith("seed-")).sorted().toList()) {
                    try {
                        target.run(Files.readAllBytes(f));
                    } catch (Throwable t) {
                        // only loading classes matters here; the replay and the fuzzer judge the outcome
                    }
                }
            }
        } catch (IOException | java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot list " + dir, e);
        }
    }

    /**
     * A scratch folder for the inputs a target writes to files, one per JVM, removed at exit.
     *
     * @return the folder
     */
    public static synchronized Path scratch() {
        if (scratch == null) {
            try {
                scratch = Files.createTempDirectory("jmae-fuzz");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path dir = scratch;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (Stream<Path> s = Files.walk(dir)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException e) {
                    // best effort at exit
                }
            }));
        }
        return scratch;
    }
}
