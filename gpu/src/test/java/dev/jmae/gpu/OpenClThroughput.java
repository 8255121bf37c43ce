package dev.jmae.gpu;

import dev.jmae.tensor.Backend;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Functional;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.testing.TestData;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * A quick throughput probe (not a test, not a JMH benchmark): median wall time of a few runs of
 * a 1024³ sgemm and of attention at B 64, H 16, M 147, N 50, Dh 32 (forward and backward), on the
 * given devices, each run ended by {@link Backend#synchronize()}.
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -cp
 * <test class path> dev.jmae.gpu.OpenClThroughput [device ...]} (default: opencl:0 cpu).
 */
public final class OpenClThroughput {

    private OpenClThroughput() {
    }

    private static double medianMs(Backend be, int runs, Supplier<Object> work) {
        work.get();
        be.synchronize();
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            work.get();
            be.synchronize();
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        return t[runs / 2];
    }

    /**
     * Prints the timings.
     *
     * @param args device names (default opencl:0 and cpu)
     */
    public static void main(String[] args) {
        String[] devices = args.length > 0 ? args : new String[] {"opencl:0", "cpu"};
        for (String name : devices) {
            Device d = Device.parse(name);
            Backend be = Backends.of(d);
            Generator g = new Generator(1);
            int n = 1024;
            Tensor a = Tensor.of(d, TestData.normal(g, n * n, 0, 1), n, n);
            Tensor b = Tensor.of(d, TestData.normal(g, n * n, 0, 1), n, n);
            double gemm = medianMs(be, 7, () -> a.matmul(b));
            double gemmT = medianMs(be, 7, () -> a.matmul(b.transpose(0, 1)));
            int bb = 64;
            int h = 16;
            int m = 147;
            int kv = 50;
            int dh = 32;
            Tensor q = Tensor.of(d, TestData.normal(g, bb * h * m * dh, 0, 1), bb, h, m, dh);
            Tensor k = Tensor.of(d, TestData.normal(g, bb * h * kv * dh, 0, 1), bb, h, kv, dh);
            Tensor v = Tensor.of(d, TestData.normal(g, bb * h * kv * dh, 0, 1), bb, h, kv, dh);
            float scale = (float) (1 / Math.sqrt(dh));
            Functional.AttentionOutput o = Functional.scaledDotProductAttention(q, k, v, scale);
            double fwd = medianMs(be, 5, () -> Functional.scaledDotProductAttention(q, k, v, scale));
            double bwd = medianMs(be, 5, () -> Functional.attentionBackward(q, q, k, v, o.output(), o.lse(), scale));
            double attnFlops = 4.0 * bb * h * m * kv * dh;
            System.out.printf("%-9s %s%n", name, be);
            System.out.printf("  sgemm 1024^3          %7.1f ms  %6.1f GFLOP/s%n", gemm, 2e-6 * n * n * n / gemm);
            System.out.printf("  sgemm 1024^3, B^T     %7.1f ms  %6.1f GFLOP/s%n", gemmT, 2e-6 * n * n * n / gemmT);
            System.out.printf("  attention forward     %7.1f ms  %6.1f GFLOP/s (B64 H16 M147 N50 Dh32)%n", fwd,
                    attnFlops * 1e-6 / fwd);
            System.out.printf("  attention backward    %7.1f ms  %6.1f GFLOP/s (2.5x the forward FLOPs)%n", bwd,
                    2.5 * attnFlops * 1e-6 / bwd);
        }
    }
}
