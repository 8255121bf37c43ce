package dev.jmae.bench;

import dev.jmae.tensor.Backend;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.cpu.Gemm;
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
 * OpenBLAS is set to the same count.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
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
    FloatPointer pa;
    FloatPointer pb;
    FloatPointer pc;
    Tensor ga;
    Tensor gb;
    Tensor gc;
    Backend gpu;

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
        pa = new FloatPointer(a);
        pb = new FloatPointer(b);
        pc = new FloatPointer(c);
        openblas_full.openblas_set_num_threads(Parallel.threads());
        System.out.println("\nOpenBLAS core: " + openblas_full.openblas_get_corename().getString() + ", threads "
                + openblas_full.openblas_get_num_threads() + "; jmae cpu threads " + Parallel.threads());
        Device cl = BenchSupport.opencl();
        if (cl != null) {
            gpu = Backends.of(cl);
            int[] as = ta ? new int[] {k, m} : new int[] {m, k};
            int[] bs = tb ? new int[] {n, k} : new int[] {k, n};
            Tensor ta0 = Tensor.of(cl, a, as);
            Tensor tb0 = Tensor.of(cl, b, bs);
            ga = ta ? ta0.transpose(0, 1) : ta0;
            gb = tb ? tb0.transpose(0, 1) : tb0;
            gc = Tensor.empty(cl, m, n);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pa.close();
        pb.close();
        pc.close();
    }

    @Benchmark
    public float[] cpu() {
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
    public FloatPointer openblas() {
        int transA = layout.equals("TN") ? openblas.CblasTrans : openblas.CblasNoTrans;
        int transB = layout.equals("NT") ? openblas.CblasTrans : openblas.CblasNoTrans;
        int lda = layout.equals("TN") ? m : k;
        int ldb = layout.equals("NT") ? k : n;
        openblas.cblas_sgemm(openblas.CblasRowMajor, transA, transB, m, n, k, 1f, pa, lda, pb, ldb, 0f, pc, n);
        return pc;
    }

    @Benchmark
    public Tensor opencl() {
        if (gpu == null) {
            BenchSupport.requireOpencl();
        }
        gpu.linalg().matmul(gc, ga, gb, null);
        gpu.synchronize();
        return gc;
    }
}
