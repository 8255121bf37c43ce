package dev.jmae.tensor.cpu;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A quick throughput harness for {@link Gemm} while tuning block sizes (not a test, and not the
 * project's benchmark: JMH benches live in the {@code bench} module). Prints the median GFLOP/s of
 * {@link Gemm#sgemm} (or {@link Gemm#sgemmBatched}), and the best of 9 rounds (the machine is
 * shared), per shape and layout on {@link Parallel#threads()} threads; run with {@code
 * -XX:ActiveProcessorCount=1} for one thread. Rounds during which other processes used over 10% of
 * a core (busy time in /proc/stat minus this JVM's CPU time) are dropped and retried.
 *
 * <p>Usage: {@code GemmThroughput [M N K LAYOUT]...}, LAYOUT one of NN, NT, TN, TT (A then B; T means
 * stored transposed: A as [K, M], B as [N, K]), optionally followed by /BATCH for the batched form.
 * Without arguments it runs the transformer shapes, 1024^3 and a few small products. Example:
 * {@code java --add-modules jdk.incubator.vector -cp tensor/target/classes:tensor/target/test-classes
 * dev.jmae.tensor.cpu.GemmThroughput 3200 2304 768 NT}
 *
 * <p>With {@code -DversusBlocked=true} every round also times {@link Gemm#blocked} on the same
 * operands (batch 1 only), right after the routed call, and prints the median over the rounds of routed speed /
 * blocked speed: a paired comparison of a special path ({@link GemmDeep#deepStrips}, {@link
 * GemmDeep#smallDeep}) with the general one, which the machine's drift between runs does not blur.
 */
public final class GemmThroughput {

    private static final boolean VERSUS_BLOCKED = Boolean.getBoolean("versusBlocked");
    private static double lastRatio;

    private GemmThroughput() {
    }

    /**
     * Runs the harness.
     *
     * @param args groups of M N K LAYOUT [BATCH]; none for the default set
     */
    public static void main(String[] args) {
        List<String[]> cases = new ArrayList<>();
        if (args.length == 0) {
            for (String s : new String[] {
                "1024 1024 1024 NN", "3200 2304 768 NN", "3200 2304 768 NT", "3200 3072 768 NN",
                "3200 3072 768 NT", "3200 768 3072 NN", "3200 768 3072 NT", "768 2304 3200 TN", "2304 768 3200 TN",
                "768 3072 3200 TN", "3072 768 3200 TN", "64 64 64 NN", "147 50 32 NT", "147 32 50 NN",
                "147 50 32 NT/1024", "147 32 50 NN/1024", "197 197 64 NT/96", "197 64 197 NN/96"}) {
                cases.add(s.split(" "));
            }
        } else {
            for (int i = 0; i + 4 <= args.length; i += 4) {
                cases.add(Arrays.copyOfRange(args, i, i + 4));
            }
        }
        System.out.printf("threads=%d lanes=%d%n", Parallel.threads(), GemmKernels.L);
        for (String[] cs : cases) {
            int m = Integer.parseInt(cs[0]);
            int n = Integer.parseInt(cs[1]);
            int k = Integer.parseInt(cs[2]);
            String layout = cs[3];
            int batch = layout.length() > 3 ? Integer.parseInt(layout.substring(3)) : 1;
            double[] rates = measure(m, n, k, layout.charAt(0) == 'T', layout.charAt(1) == 'T', batch);
            System.out.printf("%5d x %5d x %5d %s batch %4d: median %6.1f, best %6.1f GFLOP/s%s%n",
                    m, n, k, layout, batch, rates[rates.length / 2], rates[rates.length - 1],
                    VERSUS_BLOCKED && batch == 1
                            ? String.format(", %.2fx the blocked path (median of rounds)", lastRatio) : "");
        }
    }

    private static void run(int m, int n, int k, float[] a, int aRow, int aCol, float[] b, int bRow, int bCol,
                            float[] c, int batch, int[] aOff, int[] bOff, int[] cOff) {
        if (batch == 1) {
            Gemm.sgemm(m, n, k, a, 0, aRow, aCol, b, 0, bRow, bCol, c, 0, n, null, 0, 0, false);
        } else {
            Gemm.sgemmBatched(batch, m, n, k, a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff, n, null, 0, 0, false);
        }
    }

    /**
     * CPU time used by other processes since boot, in nanoseconds: the machine's busy time from
     * /proc/stat (USER_HZ = 100 ticks per second) minus this process's CPU time; 0 where unavailable.
     */
    private static long othersBusyNanos() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busyTicks = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) {
                    busyTicks += Long.parseLong(f[i]);
                }
            }
            long own = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
            return busyTicks * 10_000_000L - own;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static double[] measure(int m, int n, int k, boolean transA, boolean transB, int batch) {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] a = new float[m * k * batch];
        float[] b = new float[k * n * batch];
        float[] c = new float[m * n * batch];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextDouble(-1, 1);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) rnd.nextDouble(-1, 1);
        }
        int aRow = transA ? 1 : k;
        int aCol = transA ? m : 1;
        int bRow = transB ? 1 : n;
        int bCol = transB ? k : 1;
        int[] aOff = new int[batch];
        int[] bOff = new int[batch];
        int[] cOff = new int[batch];
        for (int t = 0; t < batch; t++) {
            aOff[t] = t * m * k;
            bOff[t] = t * k * n;
            cOff[t] = t * m * n;
        }
        double flops = 2.0 * m * n * k * batch;
        double[] rates = new double[9];
        // Warm up for about a second first: with 2 cores, C2 compiling the kernels competes with the
        // second GEMM thread for a while.
        long warmEnd = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < warmEnd) {
            run(m, n, k, a, aRow, aCol, b, bRow, bCol, c, batch, aOff, bOff, cOff);
        }
        int reps = (int) Math.max(1, Math.min(100_000, 3e10 / flops));
        double[] ratios = new double[rates.length];
        int kept = 0;
        for (int attempt = 0; kept < rates.length && attempt < 10 * rates.length; attempt++) {
            long busy0 = othersBusyNanos();
            long t0 = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                run(m, n, k, a, aRow, aCol, b, bRow, bCol, c, batch, aOff, bOff, cOff);
            }
            long t1 = System.nanoTime();
            if (VERSUS_BLOCKED && batch == 1) {
                for (int r = 0; r < reps; r++) {
                    Gemm.blocked(GemmTuning.current(), true, m, n, k, a, 0, aRow, aCol, b, 0, bRow, bCol, c, 0, n, null,
                            0, 0, false);
                }
            }
            long t2 = System.nanoTime();
            long others = othersBusyNanos() - busy0;
            // The machine is shared: drop a round in which other processes used over 10% of a core.
            if (others < 0.1 * (t2 - t0)) {
                ratios[kept] = (double) (t2 - t1) / (t1 - t0);
                rates[kept++] = flops * reps / (t1 - t0);
            }
        }
        if (VERSUS_BLOCKED) {
            double[] r = Arrays.copyOf(ratios, Math.max(1, kept));
            Arrays.sort(r);
            lastRatio = r[r.length / 2];
        }
        if (kept < rates.length) {
            System.out.printf("  (only %d quiet rounds)%n", kept);
            rates = Arrays.copyOf(rates, Math.max(1, kept));
        }
        Arrays.sort(rates);
        return rates;
    }
}
