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
 *
 * <p>Besides {@link #run}: {@link #runEach} gives each rank its own arguments (mpirun's MPMD
 * form), {@link #start} returns the running job (to kill a rank), and {@link #runAlone} runs one
 * JVM with the ranks' flags but no mpirun (a single-process reference computed under the same
 * conditions: one thread).
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
                out.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new LinkedHashMap<>()).put(m.group(2),
                        m.group(3));
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
        return start(np, main, args).await(limit);
    }

    /**
     * Starts {@code main} on np ranks and returns at once.
     *
     * @param np the number of ranks
     * @param main the class whose main runs on every rank
     * @param args the main's arguments
     * @return the running job
     */
    public static Running start(int np, Class<?> main, String... args) {
        List<String> command = new ArrayList<>(mpirunCommand());
        command.addAll(List.of("-np", Integer.toString(np)));
        command.addAll(javaCommand(main));
        command.addAll(List.of(args));
        return Running.start(command);
    }

    /**
     * Runs {@code main} on one rank per argument list, each with its own arguments (mpirun's MPMD
     * form {@code -np 1 cmd args0 : -np 1 cmd args1 ...}), and waits.
     *
     * @param main the class whose main runs on every rank
     * @param limit how long mpirun may take before it is killed (a failure of the test)
     * @param argsPerRank rank r's arguments at index r
     * @return the result
     */
    public static Result runEach(Class<?> main, Duration limit, List<List<String>> argsPerRank) {
        List<String> command = new ArrayList<>(mpirunCommand());
        for (int r = 0; r < argsPerRank.size(); r++) {
            if (r > 0) {
                command.add(":");
            }
            command.addAll(List.of("-np", "1"));
            command.addAll(javaCommand(main));
            command.addAll(argsPerRank.get(r));
        }
        return Running.start(command).await(limit);
    }

    /**
     * Runs {@code main} in one JVM with the ranks' flags (one compute thread) but without
     * mpirun, and waits.
     *
     * @param main the class to run
     * @param limit how long it may take before it is killed (a failure of the test)
     * @param args its arguments
     * @return the result
     */
    public static Result runAlone(Class<?> main, Duration limit, String... args) {
        List<String> command = new ArrayList<>(javaCommand(main));
        command.addAll(List.of(args));
        return Running.start(command).await(limit);
    }

    private static List<String> mpirunCommand() {
        Path mpirun = requireMpirun();
        return List.of(mpirun.toString(), "--allow-run-as-root", "--oversubscribe", "--bind-to", "none");
    }

    /** A started mpirun (or single JVM) whose output is being collected. */
    public static final class Running {
        private final List<String> command;
        private final Process process;
        private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        private final Thread reader;
        private final long start = System.nanoTime();

        private Running(List<String> command) {
            this.command = command;
            try {
                this.process = new ProcessBuilder(command).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new UncheckedIOException("could not start " + command, e);
            }
            this.reader = Thread.ofPlatform().daemon(true).start(() -> copy(process.getInputStream(), captured));
        }

        static Running start(List<String> command) {
            return new Running(command);
        }

        /** @return the launched process (mpirun, or the JVM of {@link #runAlone}) */
        public Process process() {
            return process;
        }

        /** @return the output so far */
        public String output() {
            return text(captured);
        }

        /**
         * Waits for the job to end.
         *
         * @param limit how long it may still take before it is killed (a failure of the test)
         * @return the result
         */
        public Result await(Duration limit) {
            try {
                if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                    kill();
                    reader.join(5000);
                    fail("the job did not finish within " + limit + " (killed); command: " + String.join(" ", command)
                            + "\noutput:\n" + text(captured));
                }
                reader.join(10_000);
            } catch (InterruptedException e) {
                kill();
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + command.get(0), e);
            }
            return new Result(process.exitValue(), text(captured), Duration.ofNanos(System.nanoTime() - start));
        }

        /** Kills the job and every process it started. */
        public void kill() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    /**
     * The java command line of one rank: this JVM's java, module and native-access flags, one
     * compute thread ({@code -XX:ActiveProcessorCount=1}), the test classpath.
     *
     * @param main the class to run
     * @return the command, without the main's arguments
     */
    public static List<String> javaCommand(Class<?> main) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
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
        // jmae settings that Surefire sets as system properties (not JVM arguments) reach the ranks too
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("jmae.") && cmd.stream().noneMatch(a -> a.startsWith("-D" + name + "="))) {
                cmd.add("-D" + name + "=" + System.getProperty(name));
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
