package dev.jmae.nn;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jmae.autograd.Variable;
import dev.jmae.nn.testing.GoldenFile;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Linear, LayerNorm, Mlp, Attention, CrossAttention and Block against PyTorch 1.13
 * (tools/golden/make_fixtures.py): parameters loaded strictly from the fixture, forward output
 * within 1e-5 and every input and parameter gradient within 1e-4, each relative to the tensor's
 * scale (|a - e| &lt;= rel·|e| + rel·max|e|), on the cpu and reference backends.
 */
class LayersGoldenTest {

    /** The module described by a fixture's {@code module} and {@code args} metadata. */
    static Module build(GoldenFile f, Device device) {
        JsonNode a = f.json("args");
        Generator g = new Generator(0);
        return switch (f.metadata().get("module")) {
            case "Linear" -> new Linear(a.get("in_features").asInt(), a.get("out_features").asInt(),
                    a.get("bias").asBoolean(), g, device);
            case "LayerNorm" ->
                new LayerNorm(a.get("normalized_shape").asInt(), (float) a.get("eps").asDouble(), device);
            case "Mlp" -> new Mlp(a.get("in_features").asInt(), a.get("hidden_features").asInt(),
                    a.get("out_features").asInt(), g, device);
            case "Attention" -> new Attention(a.get("dim").asInt(), a.get("num_heads").asInt(),
                    a.get("qkv_bias").asBoolean(), g, device);
            case "CrossAttention" -> new CrossAttention(a.get("dim").asInt(), a.get("context_dim").asInt(),
                    a.get("num_heads").asInt(), a.get("qkv_bias").asBoolean(), g, device);
            case "Block" -> new Block(a.get("dim").asInt(), a.get("num_heads").asInt(), a.get("mlp_ratio").asDouble(),
                    a.get("qkv_bias").asBoolean(), (float) a.get("eps").asDouble(), g, device);
            default -> throw new IllegalArgumentException("unknown module " + f.metadata().get("module"));
        };
    }

    @TestFactory
    List<DynamicTest> layersMatchPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String c : List.of("linear", "layer_norm", "mlp", "attention", "cross_attention", "block")) {
            for (Device device : List.of(Device.CPU, Device.REFERENCE)) {
                tests.add(dynamicTest(c + " on " + device, () -> {
                    check(GoldenFile.load("/golden/" + c + ".safetensors", device), device);
                }));
            }
        }
        return tests;
    }

    private static void check(GoldenFile f, Device device) {
        Module m = build(f, device);
        m.loadStateDict(f.withPrefix("param."), true);
        Variable x = Variable.of(f.get("input.x"), true);
        Variable out;
        Variable context = null;
        if (m instanceof CrossAttention ca) {
            context = Variable.of(f.get("input.context"), true);
            out = ca.forward(x, context);
        } else {
            out = ((Layer) m).forward(x);
        }
        f.assertMatches("output", out.value(), 1e-5);
        out.backward(f.get("grad_output"));
        f.assertMatches("grad_input.x", x.grad(), 1e-4);
        if (context != null) {
            f.assertMatches("grad_input.context", context.grad(), 1e-4);
        }
        for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
            f.assertMatches("grad." + e.getKey(), e.getValue().grad(), 1e-4);
        }
    }
}
