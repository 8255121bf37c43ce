package dev.jmae.distributed.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs a main class of the test classpath under {@code mpirun -np N}, one JVM per rank, and
 * collects the output: how the distributed tests of every module start ranks.
 *
 * <p>Each rank's JVM is the test JVM's {@code java} with its module and native-access flags and
 * {@code -XX:ActiveProcessorCount=1}, so each rank computes on one thread (the CPU backend sizes
 * its pool from the processor count) and N ranks fit N cores. As root, mpirun needs {@code
 * --allow-run-as-root}; {@code --oversubscribe} allows more ranks than cores.
 *
 * <p>Where mpirun is missing, {@link #requireMpirun()} skips the test with the reason, except in
 * CI ({@code CI=true}), where a missing Open MPI is a failure.
 */
public final class MpiLauncher {

    /** A finished mpirun: its exit status, the ranks' and mpirun's output (interleaved), and its duration. */
    public record Result(int exitCode, String output, Duration elapsed) {

        /**
         * The {@code rank=R key=value} lines the ranks printed, by rank then key.
         *
         * @return rank to (key to value), in printing order
         */
        public Map<Integer, Map<String, String>> values() {
            Map<Integer, Map<String, String>> out = new LinkedHashMap<>();
            Matcher m = Pattern.compile("(?m)^rank=(\\d+) ([A-Za-z0-9_.]+)=(.*)$").matcher(output);
            while (m.find()) {
                out.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new LinkedHashMap<>()).put(m.group(2), m.group(3));
            }
            return out;
        }

        /**
         * One value a rank printed.
         *
         * @param rank the rank
         * @param key the key
         * @return the value
         * @throws AssertionError if the rank did not print it (the output is in the message)
         */
        public String value(int rank, String key) {
            Map<String, String> byKey = values().get(rank);
            if (byKey == null || !byKey.containsKey(key)) {
                fail("rank " + rank + " printed no '" + key + "' (exit " + exitCode + "); output:\n" + output);
            }
            return byKey.get(key);
        }
    }

    private MpiLauncher() {
    }

    /**
     * The mpirun executable on PATH.
     *
     * @return its path, or null
     */
    public static Path mpirun() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "mpirun");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Skips the calling test when mpirun is missing, or fails it in CI.
     *
     * @return mpirun's path
     */
    public static Path requireMpirun() {
        Path mpirun = mpirun();
        String reason = "mpirun is not on PATH; hint: apt-get install openmpi-bin libopenmpi-dev";
        if (mpirun == null) {
            if ("true".equals(System.getenv("CI"))) {
                fail(reason + " (CI=true: the distributed tests must run in CI)");
            }
            Assumptions.abort(reason);
        }
        return mpirun;
    }

    /**
     * Runs {@code main} on np ranks and waits.
     *
     * @param np the number of ranks
     * @param main the class whose main runs on every rank
     * @param limit how long mpirun may take before it is killed (a failure of the test)
     * @param args the main's arguments
     * @return the result
     */
    public static Result run(int np, Class<?> main, Duration limit, String... args) {
        Path mpirun = requireMpirun();
        List<String> command = new ArrayList<>(List.of(mpirun.toString(), "--allow-run-as-root", "--oversubscribe",
                "--bind-to", "none", "-np", Integer.toString(np)));
        command.addAll(javaCommand(main));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        long start = System.nanoTime();
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + command, e);
        }
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Thread reader = Thread.ofPlatform().daemon(true).start(() -> copy(process.getInputStream(), captured));
        try {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                reader.join(5000);
                fail("mpirun did not finish within " + limit + " (killed); command: " + String.join(" ", command)
                        + "\noutput:\n" + text(captured));
            }
            reader.join(10_000);
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for mpirun", e);
        }
        return new Result(process.exitValue(), text(captured), Duration.ofNanos(System.nanoTime() - start));
    }

    /** The java command line of one rank: this JVM's java, module and native-access flags, test classpath. */
    static List<String> javaCommand(Class<?> main) {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java));
        List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (int i = 0; i < jvmArgs.size(); i++) {
            String a = jvmArgs.get(i);
            if (a.startsWith("--add-modules=") || a.startsWith("--enable-native-access") || a.startsWith("-Djmae.")) {
                cmd.add(a);
            } else if (a.equals("--add-modules") && i + 1 < jvmArgs.size()) {
                cmd.add(a);
                cmd.add(jvmArgs.get(++i));
            }
        }
        if (cmd.stream().noneMatch(a -> a.startsWith("--enable-native-access"))) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.addAll(List.of("-XX:ActiveProcessorCount=1", "-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        return cmd;
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (out) {
                    out.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            // the process ended; what was read is kept
        }
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
