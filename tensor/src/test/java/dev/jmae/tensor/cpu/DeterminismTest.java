package dev.jmae.tensor.cpu;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Functional;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cpu kernels give the same bits whether their loops run in the interpreter or compiled by
 * C2: a child JVM computes every kernel with {@code -Xint} and the results must equal, bit for bit,
 * those of this (warmed-up) JVM. This is what makes training runs and resumes reproducible.
 */
class DeterminismTest {

    @TempDir
    Path dir;

    /** Computes the probe set of kernels on fixed inputs. */
    static Map<String, Tensor> probe() {
        Generator g = new Generator(11);
        Map<String, Tensor> out = new LinkedHashMap<>();
        Tensor x = Tensor.randn(g, 37, 50).mul(3f);
        out.put("softmax", x.softmax(-1));
        out.put("logSoftmax", x.logSoftmax(-1));
        out.put("softmaxBackward", Functional.softmaxBackward(x.softmax(-1), Tensor.randn(g, 37, 50), -1));
        out.put("exp", x.exp());
        out.put("sigmoid", x.sigmoid());
        out.put("sumRows", x.sum(1, false));
        out.put("sumCols", x.sum(0, false));
        out.put("var", x.var(1, 1, false));
        Tensor w = Tensor.randn(g, 50);
        Tensor b = Tensor.randn(g, 50);
        Functional.LayerNormOutput ln = Functional.layerNorm(x, w, b, 1e-6f);
        out.put("layerNorm", ln.output());
        Functional.LayerNormGrads lg = Functional.layerNormBackward(Tensor.randn(g, 37, 50), x, ln.mean(), ln.rstd(), w,
                true, true);
        out.put("layerNormDx", lg.dx());
        out.put("layerNormDw", lg.dweight());
        out.put("gelu", x.gelu());
        out.put("geluBackward", Functional.geluBackward(Tensor.randn(g, 37, 50), x));
        Tensor q = Tensor.randn(g, 2, 3, 7, 16);
        Tensor k = Tensor.randn(g, 2, 3, 9, 16);
        Tensor v = Tensor.randn(g, 2, 3, 9, 16);
        Functional.AttentionOutput a = Functional.scaledDotProductAttention(q, k, v, 0.25f);
        out.put("attention", a.output());
        out.put("lse", a.lse());
        Functional.AttentionGrads ag = Functional.attentionBackward(Tensor.randn(g, 2, 3, 7, 16), q, k, v, a.output(),
                a.lse(), 0.25f);
        out.put("dq", ag.dq());
        out.put("dk", ag.dk());
        out.put("dv", ag.dv());
        out.put("matmul", Tensor.randn(g, 33, 17).matmul(Tensor.randn(g, 17, 19)));
        out.put("linear", Tensor.randn(g, 70, 48).linear(Tensor.randn(g, 64, 48), Tensor.randn(g, 64)));
        return out;
    }

    /** Entry point of the child JVM: writes the probe results to the file given. */
    public static void main(String[] args) throws IOException {
        Map<String, Tensor> r = new LinkedHashMap<>();
        probe().forEach((n, t) -> r.put(n, t.contiguous()));
        Safetensors.write(Path.of(args[0]), r, Map.of());
    }

    @Test
    void interpretedAndCompiledKernelsGiveTheSameBits() throws Exception {
        // enough repetitions for C2 to compile every kernel loop with its intrinsics
        for (int i = 0; i < 3000; i++) {
            probe();
        }
        Map<String, Tensor> warm = probe();
        Path file = dir.resolve("xint.safetensors");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(
                List.of(java, "-Xint", "-Djmae.gemm.tuning=default", "--add-modules", "jdk.incubator.vector",
                        "-cp", System.getProperty("java.class.path"), DeterminismTest.class.getName(), file.toString()))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the -Xint child timed out");
        assertEquals(0, p.exitValue(), output);
        Map<String, Tensor> cold = Safetensors.read(file);
        for (Map.Entry<String, Tensor> e : warm.entrySet()) {
            float[] w = e.getValue().toArray();
            float[] c = cold.get(e.getKey()).toArray();
            int differ = 0;
            for (int i = 0; i < w.length; i++) {
                if (Float.floatToRawIntBits(w[i]) != Float.floatToRawIntBits(c[i])) {
                    differ++;
                }
            }
            assertEquals(0, differ,
                    e.getKey() + ": " + differ + " of " + w.length + " elements differ between -Xint and C2");
        }
        assertEquals(Device.CPU, warm.get("softmax").device());
    }
}
