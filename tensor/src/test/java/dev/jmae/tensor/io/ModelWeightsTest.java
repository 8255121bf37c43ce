package dev.jmae.tensor.io;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.torch.PickleObject;
import dev.jmae.tensor.io.torch.TorchCheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finding the state dict in the official layouts, and lining it up with a model's keys. */
class ModelWeightsTest {

    @TempDir
    Path dir;

    private static Path fixture(String name) {
        try {
            return Path.of(ModelWeightsTest.class.getResource("/io/torch/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theOfficialTrainingCheckpointGivesItsModelAndTheRestAsMetadata() throws IOException {
        ModelWeights.Loaded pth = ModelWeights.read(fixture("official_tiny.pth"), Device.REFERENCE);
        ModelWeights.Loaded st = ModelWeights.read(fixture("official_tiny.safetensors"), Device.REFERENCE);
        assertEquals(ModelWeights.Format.PYTORCH, pth.format());
        assertEquals(ModelWeights.Format.SAFETENSORS, st.format());
        assertEquals("model", pth.location());
        assertEquals(List.copyOf(st.stateDict().keySet()), List.copyOf(pth.stateDict().keySet()));
        for (String k : st.stateDict().keySet()) {
            assertArrayEquals(st.stateDict().get(k).toArray(), pth.stateDict().get(k).toArray(), k);
        }
        assertEquals(List.of("optimizer", "epoch", "scaler", "args"), List.copyOf(pth.metadata().keySet()));
        assertEquals(7L, pth.metadata().get("epoch"));
        assertEquals("argparse.Namespace",
                assertInstanceOf(PickleObject.class, pth.metadata().get("args")).qualifiedName());
        assertTrue(pth.notes().isEmpty(), pth.notes().toString());
        assertTrue(((String) st.metadata().get("config")).contains("\"embed_dim\": 8"));
    }

    @Test
    void aDdpStateDictLosesItsPrefixAndAFineTunedHeadIsSetAside() throws IOException {
        ModelWeights.Loaded ft = ModelWeights.read(fixture("finetuned_ddp.pth"), Device.REFERENCE);
        assertEquals("(top level)", ft.location());
        assertEquals(List.of("cls_token", "pos_embed", "blocks.0.norm1.weight", "fc_norm.weight", "fc_norm.bias",
                "head.weight", "head.bias"), List.copyOf(ft.stateDict().keySet()));
        assertTrue(ft.notes().get(0).contains("removed the prefix 'module.' from all 7 keys (saved from"
                + " DistributedDataParallel)"), ft.notes().toString());
        Map<String, int[]> crossmae = new LinkedHashMap<>();
        crossmae.put("cls_token", new int[] {1, 1, 4});
        crossmae.put("pos_embed", new int[] {1, 5, 4});
        crossmae.put("blocks.0.norm1.weight", new int[] {4});
        crossmae.put("mask_token", new int[] {1, 1, 4});
        crossmae.put("decoder_pred.weight", new int[] {48, 4});
        ModelWeights.Match m = ModelWeights.match(ft.stateDict(), crossmae);
        assertEquals(List.of("cls_token", "pos_embed", "blocks.0.norm1.weight"), List.copyOf(m.tensors().keySet()));
        assertEquals(List.of("fc_norm.weight", "fc_norm.bias", "head.weight", "head.bias"),
                List.copyOf(m.setAside().keySet()));
        assertEquals(List.of("mask_token", "decoder_pred.weight"), m.missing());
        assertTrue(m.unexpected().isEmpty() && m.misShaped().isEmpty());
        assertTrue(String.join("\n", m.notes()).contains("the checkpoint has no decoder"), m.notes().toString());
    }

    @Test
    void matchSetsAsideNormAndDecoderAndReshapesALinearPatchEmbedding() {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("patch_embed.proj.weight", Tensor.zeros(Device.REFERENCE, 8, 3 * 2 * 2));
        sd.put("norm.weight", Tensor.zeros(Device.REFERENCE, 8));
        sd.put("decoder_embed.weight", Tensor.zeros(Device.REFERENCE, 4, 8));
        sd.put("pos_embed", Tensor.zeros(Device.REFERENCE, 1, 9, 8));
        sd.put("stray", Tensor.zeros(Device.REFERENCE, 1));
        Map<String, int[]> encoder = new LinkedHashMap<>();
        encoder.put("patch_embed.proj.weight", new int[] {8, 3, 2, 2});
        encoder.put("pos_embed", new int[] {1, 5, 8});
        ModelWeights.Match m = ModelWeights.match(sd, encoder);
        assertArrayEquals(new int[] {8, 3, 2, 2}, m.tensors().get("patch_embed.proj.weight").shape());
        assertEquals(List.of("pos_embed: checkpoint [1, 9, 8], model [1, 5, 8]"), m.misShaped());
        assertEquals(List.of("norm.weight", "decoder_embed.weight"), List.copyOf(m.setAside().keySet()));
        assertEquals(List.of("stray"), m.unexpected());
        assertTrue(!m.complete());
    }

    @Test
    void aJmaeTrainingCheckpointLeavesItsOptimizerStateOut() throws IOException {
        Path f = dir.resolve("ckpt.safetensors");
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("w", Tensor.ones(Device.REFERENCE, 2));
        t.put("optimizer.w.exp_avg", Tensor.ones(Device.REFERENCE, 2));
        Safetensors.write(f, t, Map.of("epoch", "3"));
        ModelWeights.Loaded l = ModelWeights.read(f, Device.REFERENCE);
        assertEquals(List.of("w"), List.copyOf(l.stateDict().keySet()));
        assertEquals("3", l.metadata().get("epoch"));
        assertTrue(l.notes().get(0).contains("left out 1 optimizer-state tensors"), l.notes().toString());
    }

    @Test
    void unsupportedFormatsAndMissingEntriesSayWhatToDo() {
        TorchCheckpointException legacy = assertThrows(TorchCheckpointException.class,
                () -> ModelWeights.read(fixture("legacy.pth"), Device.REFERENCE));
        assertTrue(legacy.getMessage().contains("_use_new_zipfile_serialization=True"), legacy.getMessage());
        TorchCheckpointException ema = assertThrows(TorchCheckpointException.class,
                () -> ModelWeights.read(fixture("official_tiny.pth"), Device.REFERENCE, "model_ema"));
        assertTrue(ema.getMessage().contains("has no dict under 'model_ema'; its top level holds 'model': dict,"
                + " 'optimizer': dict, 'epoch': int, 'scaler': dict, 'args': argparse.Namespace"), ema.getMessage());
        TorchCheckpointException none = assertThrows(TorchCheckpointException.class,
                () -> ModelWeights.read(fixture("legacy.pth").resolveSibling("torchscript.pt"), Device.REFERENCE));
        assertTrue(none.getMessage().contains("TorchScript"), none.getMessage());
    }
}
