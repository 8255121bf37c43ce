package dev.jmae.bench;

import dev.jmae.tensor.cpu.Gemm;
import dev.jmae.tensor.cpu.GemmTuning;
import dev.jmae.tensor.cpu.Parallel;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.bytedeco.openblas.global.openblas_full;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.Arrays;
import java.util.Locale;

/**
 * One implementation's sgemm times, for {@code tools/bench-gemm.sh} on a machine shared with other
 * processes (not a JMH benchmark: JMH reports wall-clock means, which there measure the
 * neighbours). Runs ONE implementation per process, {@code jmae} (the {@code cpu} GEMM with the
 * tuning in force) or {@code openblas} (bytedeco OpenBLAS, as many threads as jmae's pool), never
 * both: OpenBLAS's spinning threads starve jmae's pool in one process.
 *
 * <p>Per shape and layout (square 1024³, qkv [3200, 768]×[768, 2304], mlp [3200, 768]×[768, 3072];
 * NN, NT, TN as in {@link MatmulBench}): a warm-up of 2 s, then {@code reps} calls, each timed by
 * wall clock and by the process's CPU time (all threads, from /proc) divided by the thread count. Prints one line per cell:
 * the minimum and median wall time and the minimum CPU time per thread, in ms. The minimum CPU
 * time per thread estimates the wall time with the cores to itself (both implementations' threads
 * spin briefly while waiting, which counts as CPU time); the minimum wall time is that figure when
 * the neighbours were idle for one whole call.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar
 * dev.jmae.bench.GemmVersus jmae|openblas [REPS]}.
 */
public final class GemmVersus {

    private GemmVersus() {
    }

    /**
     * Runs the measurement.
     *
     * @param args implementation ({@code jmae} or {@code openblas}) and optionally the calls per cell (default 20)
     */
    public static void main(String[] args) {
        String impl = args[0];
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int threads = Parallel.threads();
        if (impl.equals("openblas")) {
            openblas_full.openblas_set_num_threads(threads);
            System.out.println("OpenBLAS core: " + openblas_full.openblas_get_corename().getString() + ", threads "
                    + openblas_full.openblas_get_num_threads());
        } else {
            System.out.println("jmae GEMM tuning: " + GemmTuning.current().spec() + ", threads " + threads);
        }
        int[][] shapes = {{1024, 1024, 1024}, {3200, 2304, 768}, {3200, 3072, 768}};
        String[] names = {"square", "qkv", "mlp"};
        for (int s = 0; s < shapes.length; s++) {
            int m = shapes[s][0];
            int n = shapes[s][1];
            int k = shapes[s][2];
            float[] a = BenchSupport.randn(1, m * k);
            float[] b = BenchSupport.randn(2, k * n);
            float[] c = new float[m * n];
            try (FloatPointer pa = new FloatPointer(a); FloatPointer pb = new FloatPointer(b);
                 FloatPointer pc = new FloatPointer(c)) {
                for (String layout : new String[] {"NN", "NT", "TN"}) {
                    boolean ta = layout.equals("TN");
                    boolean tb = layout.equals("NT");
                    Runnable call = impl.equals("openblas")
                            ? () -> openblas.cblas_sgemm(openblas.CblasRowMajor,
                                    ta ? openblas.CblasTrans : openblas.CblasNoTrans,
                                    tb ? openblas.CblasTrans : openblas.CblasNoTrans, m, n, k, 1f, pa, ta ? m : k, pb,
                                    tb ? k : n, 0f, pc, n)
                            : () -> Gemm.sgemm(m, n, k, a, 0, ta ? 1 : k, ta ? m : 1, b, 0, tb ? 1 : n, tb ? k : 1,
                                    c, 0, n, null, 0, 0, false);
                    long warm = System.nanoTime();
                    while (System.nanoTime() - warm < 2_000_000_000L) {
                        call.run();
                    }
                    double[] wall = new double[reps];
                    double[] cpu = new double[reps];
                    for (int r = 0; r < reps; r++) {
                        long c0 = cpuNanos();
                        long t0 = System.nanoTime();
                        call.run();
                        wall[r] = (System.nanoTime() - t0) / 1e6;
                        cpu[r] = (cpuNanos() - c0) / 1e6 / threads;
                    }
                    Arrays.sort(wall);
                    Arrays.sort(cpu);
                    System.out.printf(Locale.ROOT, "%s %s %s wallMin %.2f wallMedian %.2f cpuMin %.2f%n", impl,
                            names[s],
                            layout, wall[0], wall[reps / 2], cpu[0]);
                }
            }
        }
    }

    /**
     * CPU time of all this process's threads (Java and native) in nanoseconds, from
     * /proc/self/task/&#42;/schedstat (nanosecond resolution; the JVM's process CPU time has the
     * scheduler tick's, 10 ms here).
     */
    private static long cpuNanos() {
        long sum = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String line = Files.readString(t.resolve("schedstat"));
                    sum += Long.parseLong(line.substring(0, line.indexOf(' ')));
                } catch (IOException | RuntimeException e) {
                    // a thread that ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/task (Linux only): " + e, e);
        }
        return sum;
    }
}
