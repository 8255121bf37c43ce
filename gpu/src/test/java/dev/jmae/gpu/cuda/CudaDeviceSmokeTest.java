package dev.jmae.gpu.cuda;

import dev.jmae.gpu.KernelSource;
import dev.jmae.tensor.Backend;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Settings;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.UnaryOp;
import dev.jmae.tensor.testing.TestData;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The four host parts that only a real GPU can exercise, in order, on the CUDA device under test
 * ({@code -Djmae.test.device=cuda:N}, the device check's first step; skipped elsewhere): the real
 * driver initializes and lists the device; NVRTC compiles a shared kernel source that the driver
 * loads and launches, and its result is right; cuBLASLt's handle is created ({@code cublasLtCreate},
 * with the backend); cuBLASLt's heuristic offers an algorithm and its product is right. Then every
 * kernel source compiles for the device (compile time, registers and local memory printed; the
 * compile test checked them with nvcc, this is NVRTC on the machine). Each prints what it found, so
 * the device check's log records the versions and the device.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CudaDeviceSmokeTest {

    private static Device device() {
        String named = Settings.testDevice();
        Assumptions.assumeTrue(named != null && named.startsWith("cuda"),
                "the device under test is not a CUDA device (set -Djmae.test.device=cuda:0)");
        return Device.parse(named);
    }

    private static CudaBackend backend() {
        return (CudaBackend) Backends.of(device());
    }

    @Test
    @Order(1)
    void theDriverInitializesAndListsTheDevice() {
        Device d = device();
        CudaProvider p = new CudaProvider();
        assertNull(p.unavailableReason(), "cuda is unavailable");
        assertTrue(p.deviceCount() > d.index(), "cuda lists " + p.deviceCount() + " device(s)");
        p.deviceInfo().forEach(i -> System.out.println("device: " + i));
    }

    @Test
    @Order(2)
    void aSharedKernelCompilesLoadsLaunchesAndComputes() {
        CudaBackend be = backend();
        System.out.println("backend: " + be + ", NVRTC options " + Nvrtc.baseOptions() + ", "
                + be.context().architectureOption());
        int n = 100_003;
        float[] x = TestData.normal(new Generator(5), n, 0, 3);
        Tensor tx = Tensor.of(be.device(), x, n);
        Tensor out = Tensor.empty(be.device(), n);
        be.elementwise().unary(UnaryOp.EXP, out, tx);
        float[] got = out.toArray();
        for (int i = 0; i < n; i++) {
            double want = Math.exp(x[i]);
            assertEquals(want, got[i], 2e-6 * want + 1e-37, "exp(" + x[i] + ") at " + i);
        }
        CudaFunction f = be.context().function("elementwise.c", "unaryExpContiguous");
        System.out.println("kernel: " + f);
    }

    @Test
    @Order(3)
    void theCublasLtHandleIsCreated() {
        CudaBackend be = backend();
        assertNotNull(be.gemm(), "no cuBLASLt: " + be.gemmUnavailableReason());
    }

    @Test
    @Order(4)
    void theCublasLtHeuristicOffersAnAlgorithmAndItsProductIsRight() {
        CudaBackend be = backend();
        Backend cpu = Device.CPU.backend();
        int m = 256;
        int k = 384;
        int n = 512;
        Generator g = new Generator(9);
        float[] a = TestData.normal(g, m * k, 0, 1);
        float[] b = TestData.normal(g, n * k, 0, 1);
        float[] bias = TestData.normal(g, n, 0, 1);
        for (MatmulPrecision p : List.of(MatmulPrecision.HIGHEST, MatmulPrecision.HIGH)) {
            be.setMatmulPrecision(p);
            long before = be.linalg().cublasLtProducts();
            Tensor out = Tensor.empty(be.device(), m, n);
            be.linalg().matmul(out, Tensor.of(be.device(), a, m, k), Tensor.of(be.device(), b, n, k).transpose(0, 1),
                    Tensor.of(be.device(), bias, n));
            Tensor ref = Tensor.empty(Device.CPU, m, n);
            cpu.linalg().matmul(ref, Tensor.of(Device.CPU, a, m, k), Tensor.of(Device.CPU, b, n, k).transpose(0, 1),
                    Tensor.of(Device.CPU, bias, n));
            float[] got = out.toArray();
            float[] want = ref.toArray();
            double num = 0;
            double den = 0;
            for (int i = 0; i < got.length; i++) {
                num += (got[i] - want[i]) * (double) (got[i] - want[i]);
                den += want[i] * (double) want[i];
            }
            double rel = Math.sqrt(num / den);
            System.out.println("cuBLASLt " + p.cliName() + ": relative error " + rel + " against the cpu backend");
            assertEquals(before + 1, be.linalg().cublasLtProducts(), p.cliName() + ": the product did not go to"
                    + " cuBLASLt (" + be.linalg().simtProducts() + " SIMT products)");
            assertTrue(rel < (p == MatmulPrecision.HIGH ? 2e-3 : 1e-5), p.cliName() + ": relative error " + rel);
        }
        be.setMatmulPrecision(MatmulPrecision.HIGHEST);
    }

    @Test
    @Order(5)
    void everyKernelSourceCompilesForTheDevice() {
        CudaBackend be = backend();
        Map<String, String> firstKernel = new LinkedHashMap<>();
        firstKernel.put("elementwise.c", "copy");
        firstKernel.put("reduce.c", "reduceSum");
        firstKernel.put("gemm.c", "matmul");
        firstKernel.put("rows.c", "softmaxForward");
        firstKernel.put("attention.c", "attentionForward");
        firstKernel.put("indexing.c", "gather");
        firstKernel.put("optim.c", "adamwStep");
        firstKernel.put("flash_attention.cu", "flashAttentionBackwardDq64");
        List<String> all = new java.util.ArrayList<>(KernelSource.SHARED);
        all.addAll(KernelSource.CUDA_ONLY);
        assertEquals(all.size(), firstKernel.size(), "a kernel for every source: " + all);
        for (Map.Entry<String, String> e : firstKernel.entrySet()) {
            long t0 = System.nanoTime();
            CudaFunction f = be.context().function(e.getKey(), e.getValue());
            System.out.printf(java.util.Locale.ROOT, "compiled %s (or loaded from the JIT cache) in %.1f s: %s%n",
                    e.getKey(),
                    (System.nanoTime() - t0) / 1e9, f);
            assertTrue(f.maxThreadsPerBlock() >= 64, f + " cannot launch 64 threads per block");
        }
    }
}
