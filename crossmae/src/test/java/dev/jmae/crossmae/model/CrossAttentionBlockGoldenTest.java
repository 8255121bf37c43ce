package dev.jmae.crossmae.model;

import dev.jmae.autograd.Variable;
import dev.jmae.nn.Parameter;
import dev.jmae.nn.testing.GoldenFile;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import org.junit.jupiter.api.Test;

import java.util.Map;

/**
 * CrossAttentionBlock with self-attention against PyTorch (tools/golden): strict load, forward
 * within 1e-5 and all gradients within 1e-4, relative to each tensor's scale.
 */
class CrossAttentionBlockGoldenTest {

    @Test
    void matchesPyTorch() {
        GoldenFile f = GoldenFile.load("/golden/cross_attention_block.safetensors", Device.CPU);
        var a = f.json("args");
        CrossAttentionBlock b = new CrossAttentionBlock(a.get("dim").asInt(), a.get("context_dim").asInt(),
                a.get("num_heads").asInt(), a.get("mlp_ratio").asDouble(), a.get("self_attn").asBoolean(),
                (float) a.get("eps").asDouble(), new Generator(0), Device.CPU);
        b.loadStateDict(f.withPrefix("param."), true);
        Variable x = Variable.of(f.get("input.x"), true);
        Variable ctx = Variable.of(f.get("input.context"), true);
        Variable out = b.forward(x, ctx);
        f.assertMatches("output", out.value(), 1e-5);
        out.backward(f.get("grad_output"));
        f.assertMatches("grad_input.x", x.grad(), 1e-4);
        f.assertMatches("grad_input.context", ctx.grad(), 1e-4);
        for (Map.Entry<String, Parameter> e : b.namedParameters().entrySet()) {
            f.assertMatches("grad." + e.getKey(), e.getValue().grad(), 1e-4);
        }
    }
}
