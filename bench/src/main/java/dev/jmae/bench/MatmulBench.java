package dev.jmae.bench;

import dev.jmae.tensor.Backend;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.cpu.Gemm;
import dev.jmae.tensor.cpu.GemmTuning;
import dev.jmae.tensor.cpu.Parallel;
import dev.jmae.tensor.reference.ReferenceGemm;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.bytedeco.openblas.global.openblas_full;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * sgemm C[M, N] = A·B at the transformer's real shapes, per backend, with OpenBLAS (bytedeco) as the
 * peer in the same run. Shapes: ViT-B qkv [64·50, 768]×[768, 2304], MLP [64·50, 768]×[768, 3072],
 * square 1024³. Layouts: NN (A·B), NT (x·Wᵀ, a Linear's forward, B stored [N, K]) and TN (Aᵀ·B, a
 * weight gradient dYᵀ·X, A stored [K, M]). Every method writes into a preallocated C, like
 * cblas_sgemm. GFLOP/s = 2·M·N·K / time.
 *
 * <p>Run on a quiet machine, with OpenBLAS's fast kernel selected (it detects Zen 5 as Haswell):
 * {@code OPENBLAS_CORETYPE=SkylakeX java -jar bench/target/benchmarks.jar MatmulBench}; the core
 * name OpenBLAS used is printed at setup. Threads: the cpu backend uses its pool (all processors),
 * OpenBLAS is set to the same count. Devices: {@code opencl} on opencl:0, {@code cuda} (strict fp32)
 * and {@code cudaHigh} (TF32) on cuda:0, each failing with the reason where the device is missing
 * (exclude them with {@code -e opencl} or {@code -e cuda}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class MatmulBench {

    @Param({"qkv", "mlp", "square"})
    public String shape;

    @Param({"NN", "NT", "TN"})
    public String layout;

    int m;
    int n;
    int k;
    float[] a;
    float[] b;
    float[] c;
    int aRs;
    int aCs;
    int bRs;
    int bCs;

    @Setup(Level.Trial)
    public void setup() {
        switch (shape) {
            case "qkv" -> { m = 3200; k = 768; n = 2304; }
            case "mlp" -> { m = 3200; k = 768; n = 3072; }
            default -> { m = 1024; k = 1024; n = 1024; }
        }
        a = BenchSupport.randn(1, m * k);
        b = BenchSupport.randn(2, k * n);
        c = new float[m * n];
        // A is stored [M, K] (row-major) or [K, M] (TN); B is stored [K, N] or [N, K] (NT)
        boolean ta = layout.equals("TN");
        boolean tb = layout.equals("NT");
        aRs = ta ? 1 : k;
        aCs = ta ? m : 1;
        bRs = tb ? 1 : n;
        bCs = tb ? k : 1;
    }

    /** OpenBLAS's operands (its own state, so that the other methods run without its native library). */
    @State(Scope.Benchmark)
    public static class OpenBlas {
        FloatPointer pa;
        FloatPointer pb;
        FloatPointer pc;

        @Setup(Level.Trial)
        public void setup(MatmulBench s) {
            pa = new FloatPointer(s.a);
            pb = new FloatPointer(s.b);
            pc = new FloatPointer(s.c);
            openblas_full.openblas_set_num_threads(Parallel.threads());
            System.out.println("\nOpenBLAS core: " + openblas_full.openblas_get_corename().getString() + ", threads "
                    + openblas_full.openblas_get_num_threads() + "; jmae cpu threads " + Parallel.threads());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            pa.close();
            pb.close();
            pc.close();
        }
    }

    /** The operands on a device: A, B (as transposed views for TN and NT) and C. */
    static final class DeviceOperands {
        final Backend backend;
        final Tensor a;
        final Tensor b;
        final Tensor c;

        DeviceOperands(MatmulBench s, Device d) {
            backend = Backends.of(d);
            boolean ta = s.layout.equals("TN");
            boolean tb = s.layout.equals("NT");
            Tensor a0 = Tensor.of(d, s.a, ta ? new int[] {s.k, s.m} : new int[] {s.m, s.k});
            Tensor b0 = Tensor.of(d, s.b, tb ? new int[] {s.n, s.k} : new int[] {s.k, s.n});
            a = ta ? a0.transpose(0, 1) : a0;
            b = tb ? b0.transpose(0, 1) : b0;
            c = Tensor.empty(d, s.m, s.n);
        }

        Tensor run() {
            backend.linalg().matmul(c, a, b, null);
            backend.synchronize();
            return c;
        }
    }

    /** The operands on opencl:0, or null without an OpenCL device. */
    @State(Scope.Benchmark)
    public static class OpenCl {
        DeviceOperands ops;

        @Setup(Level.Trial)
        public void setup(MatmulBench s) {
            Device d = BenchSupport.opencl();
            ops = d == null ? null : new DeviceOperands(s, d);
        }
    }

    /** The operands on cuda:0, or null without a CUDA device. */
    @State(Scope.Benchmark)
    public static class Cuda {
        DeviceOperands ops;

        @Setup(Level.Trial)
        public void setup(MatmulBench s) {
            Device d = BenchSupport.cuda();
            ops = d == null ? null : new DeviceOperands(s, d);
        }
    }

    /** The cpu GEMM's tuning, chosen (cached, searched or pinned) before the first timed call, and printed. */
    @State(Scope.Benchmark)
    public static class CpuTuning {
        @Setup(Level.Trial)
        public void setup() {
            System.out
                    .println("\njmae GEMM tuning: " + GemmTuning.current().spec() + "; threads " + Parallel.threads());
        }
    }

    @Benchmark
    public float[] cpu(CpuTuning tuning) {
        Gemm.sgemm(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, c, 0, n, null, 0, 0, false);
        return c;
    }

    @Benchmark
    @Warmup(iterations = 0)
    @Measurement(iterations = 1, time = 1)
    public float[] reference() {
        ReferenceGemm.sgemm(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, c, 0, n, null, 0, 0, false);
        return c;
    }

    @Benchmark
    public FloatPointer openblas(OpenBlas o) {
        int transA = layout.equals("TN") ? openblas.CblasTrans : openblas.CblasNoTrans;
        int transB = layout.equals("NT") ? openblas.CblasTrans : openblas.CblasNoTrans;
        int lda = layout.equals("TN") ? m : k;
        int ldb = layout.equals("NT") ? k : n;
        openblas.cblas_sgemm(openblas.CblasRowMajor, transA, transB, m, n, k, 1f, o.pa, lda, o.pb, ldb, 0f, o.pc, n);
        return o.pc;
    }

    @Benchmark
    public Tensor opencl(OpenCl s) {
        if (s.ops == null) {
            BenchSupport.requireOpencl();
        }
        return s.ops.run();
    }

    /** cuBLASLt (or the SIMT kernel where it cannot run) in strict fp32, like torch.matmul at "highest". */
    @Benchmark
    public Tensor cuda(Cuda s) {
        if (s.ops == null) {
            BenchSupport.requireCuda();
        }
        BenchSupport.cudaPrecision(s.ops.backend, false);
        return s.ops.run();
    }

    /** cuBLASLt on TF32 tensor cores, like torch.matmul at "high". */
    @Benchmark
    public Tensor cudaHigh(Cuda s) {
        if (s.ops == null) {
            BenchSupport.requireCuda();
        }
        BenchSupport.cudaPrecision(s.ops.backend, true);
        return s.ops.run();
    }
}
