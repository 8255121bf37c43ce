package dev.jmae.nn;

import dev.jmae.autograd.Variable;
import dev.jmae.nn.optim.AdamW;
import dev.jmae.nn.optim.ParamGroups;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints round-trip model and optimizer state, and a failed write keeps the previous file. */
class CheckpointTest {

    @TempDir
    Path dir;

    private static void trainStep(Block b, AdamW opt, long seed) {
        opt.zeroGrad();
        b.forward(Variable.constant(Tensor.randn(new Generator(seed), 2, 5, 16))).square().mean().backward();
        opt.step();
    }

    @Test
    void modelAndOptimizerStateRoundTripAndTrainingContinuesIdentically() throws Exception {
        Block a = new Block(16, 2, 4.0, true, 1e-6f, new Generator(1), Device.CPU);
        AdamW optA = new AdamW(ParamGroups.weightDecaySplit(a, 1e-3, 0.05), 0.9, 0.95, 1e-8);
        trainStep(a, optA, 10);
        trainStep(a, optA, 11);
        Path file = dir.resolve("ckpt.safetensors");
        Checkpoint.save(file, a, optA, Map.of("epoch", "2", "config", "{\"dim\": 16}"));

        Block b = new Block(16, 2, 4.0, true, 1e-6f, new Generator(99), Device.CPU);
        AdamW optB = new AdamW(ParamGroups.weightDecaySplit(b, 1e-3, 0.05), 0.9, 0.95, 1e-8);
        Map<String, String> meta = Checkpoint.load(file, b, optB);
        assertEquals("2", meta.get("epoch"));
        trainStep(a, optA, 12);
        trainStep(b, optB, 12);
        for (Map.Entry<String, Tensor> e : a.stateDict().entrySet()) {
            assertArrayEquals(e.getValue().toArray(), b.stateDict().get(e.getKey()).toArray(), e.getKey());
        }
        Checkpoint.Contents c = Checkpoint.read(file);
        assertTrue(c.optimizer().containsKey("attn.qkv.weight.exp_avg"), c.optimizer().keySet().toString());
        assertEquals(2f, c.optimizer().get("attn.qkv.weight.step").item());
        assertEquals(a.stateDict().keySet(), c.model().keySet());
    }

    @Test
    void aCheckpointInterruptedMidWriteLeavesThePreviousOneReadable() throws Exception {
        Block a = new Block(16, 2, 4.0, true, 1e-6f, new Generator(1), Device.CPU);
        Path file = dir.resolve("ckpt.safetensors");
        Checkpoint.save(file, a, null, Map.of("epoch", "1"));
        byte[] good = Files.readAllBytes(file);
        // a module whose last tensor fails to serialize halfway through the data section
        Module failing = new Module() {
            {
                registerParameter("first", new Parameter(Tensor.ones(1000)));
                Tensor gone = Tensor.ones(1000);
                registerParameter("second", new Parameter(gone));
                gone.release();
            }
        };
        assertThrows(IllegalStateException.class, () -> Checkpoint.save(file, failing, null, Map.of("epoch", "2")));
        assertArrayEquals(good, Files.readAllBytes(file));
        Block b = new Block(16, 2, 4.0, true, 1e-6f, new Generator(2), Device.CPU);
        assertEquals("1", Checkpoint.load(file, b, null).get("epoch"));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void loadingAWrongCheckpointNamesTheFileAndEveryProblem() throws Exception {
        Path file = dir.resolve("other.safetensors");
        Map<String, Tensor> sd = new LinkedHashMap<>(
                new Block(16, 2, 4.0, true, 1e-6f, new Generator(1), Device.CPU).stateDict());
        sd.remove("norm1.weight");
        sd.put("head.weight", Tensor.zeros(2));
        Safetensors.write(file, sd, Map.of());
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> Checkpoint.load(file, new Block(16, 2, 4.0, true, 1e-6f, new Generator(1), Device.CPU), null));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("norm1.weight")
                && e.getMessage().contains("head.weight"), e.getMessage());
    }
}
