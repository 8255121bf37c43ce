package dev.jmae.nn;

import dev.jmae.autograd.Variable;
import dev.jmae.autograd.testing.GradCheck;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Gradient checks for every layer with respect to its input and every one of its parameters
 * (passed to GradCheck as inputs and perturbed in place), on the reference backend. GradCheck
 * defaults: h 1e-2, rtol 2e-3 of each input's largest gradient, atol 1e-5.
 */
class LayerGradTest {

    private static final Device R = Device.REFERENCE;

    private static Tensor input(long seed, int... shape) {
        return Tensor.randn(R, new Generator(seed), shape);
    }

    /** Checks the layer at x with respect to x and all of the module's parameters. */
    private static void check(String name, Module m, Function<Variable, Variable> forward, Tensor x) {
        List<Variable> inputs = new ArrayList<>();
        inputs.add(Variable.of(x, true));
        inputs.addAll(m.parameters());
        GradCheck.of(name, v -> forward.apply(v[0]), inputs.toArray(new Variable[0])).run();
    }

    /** Perturbs LayerNorm affine parameters away from 1/0 so their gradients are generic. */
    private static <M extends Module> M perturbed(M m, long seed) {
        Generator g = new Generator(seed);
        for (Parameter p : m.parameters()) {
            p.value().addInPlace(Tensor.randn(R, g, p.shape()).mul(0.2f));
        }
        return m;
    }

    @Test
    void linear() {
        Linear l = new Linear(5, 3, true, new Generator(1), R);
        check("Linear", l, l::forward, input(2, 2, 4, 5));
        Linear noBias = new Linear(5, 3, false, new Generator(3), R);
        check("Linear no bias", noBias, noBias::forward, input(4, 6, 5));
    }

    @Test
    void layerNormAndActivations() {
        LayerNorm ln = perturbed(new LayerNorm(9, 1e-6f, R), 5);
        check("LayerNorm", ln, ln::forward, input(6, 3, 9));
        GELU gelu = new GELU();
        check("GELU", gelu, gelu::forward, input(7, 4, 5));
        Identity id = new Identity();
        check("Identity", id, x -> id.forward(x).square(), input(8, 3));
    }

    @Test
    void dropoutAndDropPathWithFixedRandomness() {
        // new generators per call, so every evaluation draws the same mask
        check("Dropout", new Dropout(0.25f, new Generator(0)), x -> new Dropout(0.25f, new Generator(9)).forward(x),
                input(10, 4, 6));
        check("DropPath", new DropPath(0.5f, new Generator(0)), x -> new DropPath(0.5f, new Generator(11)).forward(x),
                input(12, 6, 2, 3));
        Dropout inEval = new Dropout(0.5f, new Generator(13));
        inEval.eval();
        check("Dropout in eval is identity", inEval, inEval::forward, input(14, 3, 3));
    }

    @Test
    void sequentialAndMlp() {
        Sequential s = perturbed(
                new Sequential(new Linear(4, 6, true, new Generator(15), R), new GELU(), new LayerNorm(6, 1e-6f, R)),
                16);
        check("Sequential", s, s::forward, input(17, 2, 4));
        Mlp mlp = new Mlp(6, 12, 5, new Generator(18), R);
        check("Mlp", mlp, mlp::forward, input(19, 2, 3, 6));
    }

    @Test
    void attentionCrossAttentionAndBlock() {
        Attention a = new Attention(8, 2, true, new Generator(20), R);
        check("Attention", a, a::forward, input(21, 2, 5, 8));
        CrossAttention ca = new CrossAttention(8, 6, 2, true, new Generator(22), R);
        Tensor context = input(23, 2, 7, 6);
        Variable ctx = Variable.of(context, true);
        List<Variable> inputs = new ArrayList<>(List.of(Variable.of(input(24, 2, 3, 8), true), ctx));
        inputs.addAll(ca.parameters());
        GradCheck.of("CrossAttention", v -> ca.forward(v[0], v[1]), inputs.toArray(new Variable[0])).run();
        Block b = perturbed(new Block(8, 2, 2.0, true, 1e-6f, new Generator(25), R), 26);
        check("Block", b, b::forward, input(27, 2, 4, 8));
    }
}
