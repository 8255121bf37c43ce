package dev.jmae.nn;

import dev.jmae.nn.testing.GoldenFile;
import dev.jmae.nn.testing.PyTorch;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** State-dict keys, strict and non-strict loading, and interchange with PyTorch in both directions. */
class StateDictTest {

    @TempDir
    Path dir;

    @Test
    void blockRegistersTimmKeysInOrder() {
        Block b = new Block(32, 4, 4.0, true, 1e-6f, new Generator(0), Device.CPU);
        assertEquals(List.of("norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight",
                "attn.proj.bias", "norm2.weight", "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight",
                "mlp.fc2.bias"), List.copyOf(b.stateDict().keySet()));
        ModuleList<Block> blocks = new ModuleList<>(
                List.of(b, new Block(32, 4, 4.0, true, 1e-6f, new Generator(1), Device.CPU)));
        assertTrue(blocks.namedParameters().containsKey("1.attn.qkv.weight"));
        // per block: norms 2·64, qkv 96·32 + 96, proj 32·32 + 32, fc1 128·32 + 128, fc2 32·128 + 32 = 12,704
        assertEquals(2 * 12_704, blocks.trainableParameterCount());
    }

    @Test
    void aMismatchedDictListsAllItsProblemsAtOnce() {
        Attention a = new Attention(8, 2, true, new Generator(0), Device.CPU);
        Map<String, Tensor> dict = new HashMap<>(a.stateDict());
        dict.remove("qkv.bias");
        dict.remove("proj.weight");
        dict.put("qkv.weight", Tensor.zeros(24, 7));
        dict.put("extra.weight", Tensor.zeros(3));
        dict.put("norm.bias", Tensor.zeros(8));
        CheckpointException e = assertThrows(CheckpointException.class, () -> a.loadStateDict(dict, true));
        assertEquals(List.of("qkv.bias", "proj.weight"), e.missing());
        assertEquals(2, e.unexpected().size());
        assertEquals(List.of("qkv.weight: expected [24, 8], got [24, 7]"), e.misShaped());
        assertTrue(e.getMessage().contains("missing keys (2): qkv.bias, proj.weight"), e.getMessage());
        // non-strict: missing/unexpected reported, but a shape mismatch is still an error
        assertThrows(CheckpointException.class, () -> a.loadStateDict(dict, false));
        dict.put("qkv.weight", Tensor.ones(24, 8));
        Module.LoadResult r = a.loadStateDict(dict, false);
        assertEquals(List.of("qkv.bias", "proj.weight"), r.missing());
        assertEquals(1f, a.qkv().weight().value().get(3, 4));
    }

    @Test
    void aPyTorchStateDictLoadsStrictly() {
        for (String c : List.of("linear", "layer_norm", "mlp", "attention", "cross_attention", "block")) {
            GoldenFile f = GoldenFile.load("/golden/" + c + ".safetensors", Device.CPU);
            Module m = LayersGoldenTest.build(f, Device.CPU);
            Module.LoadResult r = m.loadStateDict(f.withPrefix("param."), true);
            assertTrue(r.missing().isEmpty() && r.unexpected().isEmpty());
            assertEquals(f.get("param." + m.namedParameters().keySet().iterator().next()).toArray()[0],
                    m.parameters().get(0).value().toArray()[0]);
        }
    }

    @Test
    void aJmaeStateDictLoadsIntoPyTorchWithStrictTrue() throws Exception {
        PyTorch.require();
        Object[][] cases = {
            {"linear", new Linear(7, 5, true, new Generator(1), Device.CPU),
                "{\"in_features\": 7, \"out_features\": 5, \"bias\": true}"},
            {"layer_norm", new LayerNorm(33, 1e-6f, Device.CPU), "{\"normalized_shape\": 33, \"eps\": 1e-06}"},
            {"mlp", new Mlp(16, 64, 16, new Generator(2), Device.CPU),
                "{\"in_features\": 16, \"hidden_features\": 64, \"out_features\": 16}"},
            {"attention", new Attention(32, 4, true, new Generator(3), Device.CPU),
                "{\"dim\": 32, \"num_heads\": 4, \"qkv_bias\": true}"},
            {"cross_attention", new CrossAttention(16, 32, 2, true, new Generator(4), Device.CPU),
                "{\"dim\": 16, \"context_dim\": 32, \"num_heads\": 2, \"qkv_bias\": true}"},
            {"block", new Block(32, 4, 4.0, true, 1e-6f, new Generator(5), Device.CPU),
                "{\"dim\": 32, \"num_heads\": 4, \"mlp_ratio\": 4.0, \"qkv_bias\": true, \"eps\": 1e-06}"},
        };
        for (Object[] c : cases) {
            Path file = dir.resolve(c[0] + ".safetensors");
            Safetensors.write(file, ((Module) c[1]).stateDict(), Map.of());
            PyTorch.Result r = PyTorch.script("check_state_dict.py", file.toString(), "--kind", (String) c[0], "--args",
                    (String) c[2]);
            assertEquals(0, r.exitCode(), c[0] + ": " + r.output());
        }
        // and the checker does reject a wrong dict (so the passes above mean something)
        Path bad = dir.resolve("bad.safetensors");
        Map<String, Tensor> sd = new HashMap<>(new Linear(7, 5, true, new Generator(1), Device.CPU).stateDict());
        sd.remove("bias");
        Safetensors.write(bad, sd, Map.of());
        PyTorch.Result r = PyTorch.script("check_state_dict.py", bad.toString(), "--kind", "linear", "--args",
                "{\"in_features\": 7, \"out_features\": 5, \"bias\": true}");
        assertFalse(r.exitCode() == 0, r.output());
    }
}
