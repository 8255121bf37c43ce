package dev.jmae.autograd;

import dev.jmae.autograd.testing.GradCheck;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A gradient check for every {@link Function}: broadcast shapes, non-contiguous inputs,
 * attention with M ≠ N. Inputs live on the reference backend (double accumulation) unless a test
 * says cpu; tolerances are GradCheck's defaults (h 1e-2, rtol 2e-3, atol 1e-5) unless stated.
 * The last test enumerates the compiled Function classes and fails if one was not exercised.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FunctionGradTest {

    private static final Device REF = Device.REFERENCE;

    private static Variable leaf(long seed, int... shape) {
        return Variable.of(Tensor.randn(new Generator(seed), shape).to(REF), true);
    }

    /** A leaf whose value is a transposed (non-contiguous) view. */
    private static Variable transposedLeaf(long seed, int rows, int cols) {
        Tensor stored = Tensor.randn(new Generator(seed), cols, rows).to(REF);
        return Variable.of(stored.transpose(0, 1), true);
    }

    /** A leaf with values in [lo, hi), away from kinks and singularities. */
    private static Variable positive(long seed, double lo, double hi, int... shape) {
        return Variable.of(Tensor.uniform(new Generator(seed), lo, hi, shape).to(REF), true);
    }

    @Test
    @Order(1)
    void binaryElementwiseOpsWithBroadcasting() {
        Variable a = leaf(1, 3, 4);
        Variable b = leaf(2, 4);
        Variable c = leaf(3, 2, 1, 4);
        Variable col = leaf(4, 3, 1);
        GradCheck.of("add [3,4]+[4]", x -> x[0].add(x[1]), a, b).run();
        GradCheck.of("add [2,1,4]+[3,1]", x -> x[0].add(x[1]), c, col).run();
        GradCheck.of("sub transposed", x -> x[0].sub(x[1]), transposedLeaf(5, 3, 4), b).run();
        GradCheck.of("mul [3,4]*[3,1]", x -> x[0].mul(x[1]), a, col).run();
        GradCheck.of("div", x -> x[0].div(x[1]), a, positive(6, 0.5, 2, 4)).run();
        GradCheck.of("pow", x -> x[0].pow(x[1]), positive(7, 0.5, 2, 3, 4), leaf(8, 4)).run();
        GradCheck.of("maximum", x -> x[0].maximum(x[1]), a, leaf(9, 3, 4)).run();
        GradCheck.of("minimum broadcast", x -> x[0].minimum(x[1]), a, b).run();
        Tensor cond = Tensor.rand(new Generator(10), 3, 4).to(REF).gt(0.5f);
        GradCheck.of("where", x -> Variable.where(cond, x[0], x[1]), a, b).run();
    }

    @Test
    @Order(2)
    void unaryElementwiseOps() {
        Variable x = leaf(11, 2, 5);
        Variable pos = positive(12, 0.5, 3, 2, 5);
        Variable t = transposedLeaf(13, 5, 2);
        GradCheck.of("addScalar", v -> v[0].add(1.5f).sub(0.25f), t).run();
        GradCheck.of("mulScalar", v -> v[0].mul(-3f), x).run();
        GradCheck.of("divScalar", v -> v[0].div(7f), x).run();
        GradCheck.of("neg", v -> v[0].neg(), t).run();
        GradCheck.of("powScalar", v -> v[0].pow(2.5f), pos).run();
        GradCheck.of("exp", v -> v[0].exp(), x).run();
        GradCheck.of("log", v -> v[0].log(), pos).run();
        GradCheck.of("sqrt", v -> v[0].sqrt(), pos).run();
        GradCheck.of("rsqrt", v -> v[0].rsqrt(), pos).run();
        GradCheck.of("tanh", v -> v[0].tanh(), x).run();
        GradCheck.of("erf", v -> v[0].erf(), x).run();
        // both signs, every element at least 0.2 away from the kink at 0
        GradCheck
                .of("abs", v -> v[0].abs(),
                        Variable.of(Tensor.of(new float[] {-1.2f, -0.5f, 0.3f, 0.8f, -2f, 1.7f}, 2, 3).to(REF), true))
                .run();
        GradCheck.of("square", v -> v[0].square(), t).run();
        GradCheck.of("reciprocal", v -> v[0].reciprocal(), pos).run();
        GradCheck.of("sigmoid", v -> v[0].sigmoid(), x).run();
        // clamp bounds chosen between the sampled values so no element sits within h of a bound
        GradCheck.of("clamp", v -> v[0].clamp(-0.6f, 0.7f),
                Variable.of(Tensor.of(new float[] {-2, -0.3f, 0.1f, 0.4f, 1.5f, 3}, 2, 3).to(REF), true)).run();
        GradCheck.of("gelu", v -> v[0].gelu(), x).run();
    }

    @Test
    @Order(3)
    void movementAndIndexingOps() {
        Variable x = leaf(21, 2, 3, 4);
        Variable t = transposedLeaf(22, 4, 6);
        GradCheck.of("reshape", v -> v[0].reshape(6, 4).mul(v[0].flatten(0, 1)), x).run();
        GradCheck.of("view/unsqueeze/squeeze", v -> v[0].view(24).unsqueeze(0).squeeze(0).square(), x).run();
        GradCheck.of("permute",
                v -> v[0].permute(2, 0, 1).mul(Variable.constant(Tensor.arange(REF, 0, 24, 1).reshape(4, 2, 3))), x)
                .run();
        GradCheck.of("transpose of transposed", v -> v[0].transpose(0, 1).square(), t).run();
        GradCheck.of("narrow/select", v -> v[0].narrow(2, 1, 2).mul(v[0].select(1, -1).unsqueeze(1).narrow(2, 0, 2)), x)
                .run();
        GradCheck.of("expand",
                v -> v[0].expand(5, 4, 6).mul(Variable.constant(Tensor.randn(new Generator(23), 5, 4, 6).to(REF))), t)
                .run();
        GradCheck.of("cat", v -> Variable.cat(List.of(v[0], v[1].mul(2f)), 1), leaf(24, 2, 3), leaf(25, 2, 5)).run();
        GradCheck.of("stack", v -> Variable.stack(List.of(v[0], v[1]), 0), leaf(26, 3), leaf(27, 3)).run();
        Tensor idx = Tensor.of(new float[] {2, 0, 2, 1}, 4).to(REF);
        GradCheck.of("indexSelect with repeats", v -> v[0].indexSelect(1, idx), x).run();
        Tensor gidx = Tensor.of(new float[] {0, 3, 3, 1, 2, 0}, 2, 3, 1).to(REF);
        GradCheck.of("gather with repeats", v -> v[0].gather(2, gidx), x).run();
    }

    @Test
    @Order(4)
    void reductions() {
        Variable x = leaf(31, 3, 4, 5);
        Variable t = transposedLeaf(32, 6, 5);
        GradCheck.of("sum all", v -> v[0].sum(), x).run();
        GradCheck.of("sum dims keepDim", v -> v[0].sum(new int[] {0, 2}, true), x).run();
        GradCheck.of("sum transposed", v -> v[0].sum(0, false), t).run();
        GradCheck.of("mean", v -> v[0].mean(-1, false), x).run();
        GradCheck.of("mean all", v -> v[0].mean(), t).run();
        GradCheck.of("max", v -> v[0].max(1, false), x).run();
        GradCheck.of("max dims", v -> v[0].max(new int[] {0, 2}, true), x).run();
        GradCheck.of("var biased", v -> v[0].var(-1, 0, false), x).run();
        GradCheck.of("var unbiased dims", v -> v[0].var(new int[] {0, 1}, 1, true), x).run();
    }

    @Test
    @Order(5)
    void matrixProducts() {
        GradCheck.of("matmul 2d", v -> v[0].matmul(v[1]), leaf(41, 3, 4), leaf(42, 4, 5)).run();
        GradCheck.of("matmul batched broadcast weight", v -> v[0].matmul(v[1]), leaf(43, 2, 3, 4), leaf(44, 4, 5))
                .run();
        GradCheck.of("matmul batch broadcast both", v -> v[0].matmul(v[1]), leaf(45, 2, 1, 3, 4), leaf(46, 3, 4, 2))
                .run();
        GradCheck.of("matmul transposed operands", v -> v[0].matmul(v[1]), transposedLeaf(47, 3, 4),
                transposedLeaf(48, 4, 2)).run();
        GradCheck.of("matmul vector-matrix", v -> v[0].matmul(v[1]), leaf(49, 4), leaf(50, 4, 3)).run();
        GradCheck.of("matmul matrix-vector", v -> v[0].matmul(v[1]), leaf(51, 2, 3, 4), leaf(52, 4)).run();
        GradCheck.of("linear with bias", v -> v[0].linear(v[1], v[2]), leaf(53, 2, 3, 4), leaf(54, 5, 4), leaf(55, 5))
                .run();
        GradCheck.of("linear without bias", v -> v[0].linear(v[1], null), transposedLeaf(56, 3, 4), leaf(57, 2, 4))
                .run();
    }

    @Test
    @Order(6)
    void neuralNetworkOps() {
        Variable x = leaf(61, 3, 7);
        GradCheck.of("softmax last", v -> v[0].softmax(-1), x).run();
        GradCheck.of("softmax dim 0", v -> v[0].softmax(0), x).run();
        GradCheck.of("logSoftmax", v -> v[0].logSoftmax(-1), transposedLeaf(62, 4, 5)).run();
        Variable w = Variable.of(Tensor.uniform(new Generator(63), 0.5, 1.5, 7).to(REF), true);
        Variable b = leaf(64, 7);
        GradCheck.of("layerNorm affine", v -> v[0].layerNorm(v[1], v[2], 1e-6f), leaf(65, 2, 3, 7), w, b).run();
        GradCheck.of("layerNorm plain", v -> v[0].layerNorm(null, null, 1e-5f), x).run();
        GradCheck.of("layerNorm weight only", v -> v[0].layerNorm(v[1], null, 1e-6f), x, w).run();
        GradCheck.of("dropout (fixed mask)", v -> v[0].dropout(0.3f, new Generator(66)), x).run();
        Tensor target = Tensor.randn(new Generator(67), 3, 7).to(REF);
        GradCheck.of("mseLoss", v -> v[0].mseLoss(target), x).run();
    }

    @Test
    @Order(7)
    void attentionWithDifferentQueryAndKeyLengths() {
        // B 2, H 3, M 4 queries, N 6 keys, Dh 5
        Variable q = leaf(71, 2, 3, 4, 5);
        Variable k = leaf(72, 2, 3, 6, 5);
        Variable v = leaf(73, 2, 3, 6, 5);
        GradCheck.of("attention M!=N", x -> Variable.attention(x[0], x[1], x[2], 0.45f), q, k, v).run();
        // q, k, v as strided views of one packed [B, T, 3, H, Dh] projection, as in a ViT block
        Variable qkv = leaf(74, 2, 4, 3, 2, 5);
        GradCheck.of("attention from packed qkv", x -> {
            Variable p = x[0].permute(2, 0, 3, 1, 4);
            return Variable.attention(p.select(0, 0), p.select(0, 1), p.select(0, 2), 0.45f);
        }, qkv).run();
        GradCheck.of("selfAttention packed qkv", x -> Variable.selfAttention(x[0], 2), leaf(75, 2, 4, 3 * 6)).run();
        GradCheck.of("crossAttention q, packed kv", x -> Variable.crossAttention(x[0], x[1], 3),
                leaf(76, 2, 5, 6), leaf(77, 2, 7, 12)).run();
    }

    @Test
    @Order(8)
    void cpuBackendGradientsAlsoCheck() {
        // float32 kernels throughout: rtol 1e-2 (see GradCheck's budget)
        Variable q = Variable.of(Tensor.randn(new Generator(81), 1, 2, 3, 4), true);
        Variable k = Variable.of(Tensor.randn(new Generator(82), 1, 2, 5, 4), true);
        Variable v = Variable.of(Tensor.randn(new Generator(83), 1, 2, 5, 4), true);
        GradCheck
                .of("cpu attention",
                        x -> Variable.attention(x[0], x[1], x[2], 0.5f).layerNorm(null, null, 1e-5f).gelu(), q, k, v)
                .rtol(1e-2).run();
        GradCheck.of("cpu linear", x -> x[0].linear(x[1], x[2]).softmax(-1),
                Variable.of(Tensor.randn(new Generator(84), 3, 4), true),
                Variable.of(Tensor.randn(new Generator(85), 5, 4), true),
                Variable.of(Tensor.randn(new Generator(86), 5), true)).rtol(1e-2).run();
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void everyFunctionClassHasAGradientCheck() throws IOException, URISyntaxException {
        Path root = Path.of(Function.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path pkg = root.resolve("dev/jmae/autograd");
        Set<String> all = new TreeSet<>();
        try (Stream<Path> files = Files.list(pkg)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String cls = "dev.jmae.autograd." + p.getFileName().toString().replace(".class", "");
                try {
                    Class<?> c = Class.forName(cls);
                    if (Function.class.isAssignableFrom(c) && c != Function.class
                            && !Modifier.isAbstract(c.getModifiers())) {
                        all.add(c.getName());
                    }
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        assertFalse(all.isEmpty(), "no Function classes found under " + pkg);
        Set<String> covered = new TreeSet<>();
        for (Class<?> c : GradCheck.covered()) {
            covered.add(c.getName());
        }
        Set<String> missing = new TreeSet<>(all);
        missing.removeAll(covered);
        assertTrue(missing.isEmpty(),
                "Function classes without a gradient check: " + missing + " (checked: " + covered + ")");
        assertTrue(all.size() >= 30, "expected at least 30 Function classes, found " + all.size() + ": " + all);
    }
}
