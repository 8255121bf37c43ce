package dev.jmae.tensor.io.torch;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.DType;
import dev.jmae.tensor.io.Safetensors;
import dev.jmae.tensor.io.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The .pth reader on checkpoints written by PyTorch 1.13 (tools/golden/make_checkpoint_fixtures.py)
 * and on hand-written malformed and malicious ones.
 */
class TorchCheckpointTest {

    /** The command the malicious fixtures would run under torch.load. */
    static final Path MARKER = Path.of("/tmp/jmae-pickle-ran");

    @TempDir
    Path dir;

    static Path fixture(String name) {
        try {
            return Path.of(TorchCheckpointTest.class.getResource("/io/torch/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) assertInstanceOf(Map.class, o);
    }

    static void assertBitsEqual(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        float[] e = expected.toArray();
        float[] a = actual.toArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(Float.floatToRawIntBits(e[i]), Float.floatToRawIntBits(a[i]),
                    what + "[" + i + "]: " + e[i] + " vs " + a[i]);
        }
    }

    @Test
    void officialLayoutOpensWithItsMetadata() throws IOException {
        try (TorchCheckpoint c = TorchCheckpoint.open(fixture("official_tiny.pth"))) {
            Map<String, Object> root = map(c.root());
            assertEquals(List.of("model", "optimizer", "epoch", "scaler", "args"), List.copyOf(root.keySet()));
            assertEquals(7L, root.get("epoch"));
            assertEquals(65536.0, map(root.get("scaler")).get("scale"));
            PickleObject args = assertInstanceOf(PickleObject.class, root.get("args"));
            assertEquals("argparse.Namespace", args.qualifiedName());
            assertEquals("micro_crossmae", args.attributes().get("model"));
            assertEquals(List.of(-1L), args.attributes().get("use_fm"));
            assertEquals(0.75, args.attributes().get("mask_ratio"));
            assertEquals("archive", c.archiveName());
            Map<String, Object> model = map(root.get("model"));
            for (Object v : model.values()) {
                assertInstanceOf(TorchTensor.class, v);
            }
            TorchTensor pred = (TorchTensor) model.get("decoder_pred.weight");
            assertFalse(pred.isContiguous(), "the fixture stores decoder_pred.weight transposed");
            assertArrayEquals(new long[] {1, 48}, pred.stride());
            TorchTensor b0 = (TorchTensor) model.get("blocks.0.attn.qkv.bias");
            TorchTensor b1 = (TorchTensor) model.get("blocks.1.mlp.fc2.bias");
            assertEquals(b0.storageKey(), b1.storageKey(), "the biases share one storage");
            assertNotEquals(b0.storageOffset(), b1.storageOffset());
            assertEquals(DType.F16, ((TorchTensor) model.get("patch_embed.proj.weight")).dtype());
            assertEquals(DType.BF16, ((TorchTensor) model.get("blocks.0.mlp.fc1.weight")).dtype());
            assertEquals(DType.F64, ((TorchTensor) model.get("cls_token")).dtype());
            // AdamW state per parameter index, shaped like the parameter
            Map<String, Object> opt = map(root.get("optimizer"));
            Map<String, Object> state = map(opt.get("state"));
            Map<String, Object> first = map(state.get(0L));
            assertEquals(List.of("step", "exp_avg", "exp_avg_sq"), List.copyOf(first.keySet()));
        }
    }

    @Test
    void everyModelTensorEqualsTheSafetensorsTwinAndPyTorchsFloat() throws IOException {
        try (TorchCheckpoint c = TorchCheckpoint.open(fixture("official_tiny.pth"));
             SafetensorsFile twin = Safetensors.open(fixture("official_tiny.safetensors"));
             SafetensorsFile f32 = Safetensors.open(fixture("official_tiny.f32.safetensors"))) {
            Map<String, Object> model = map(map(c.root()).get("model"));
            assertEquals(twin.names(), List.copyOf(model.keySet()));
            for (Map.Entry<String, Object> e : model.entrySet()) {
                Tensor t = ((TorchTensor) e.getValue()).tensor(Device.REFERENCE);
                assertBitsEqual(e.getKey() + " vs safetensors twin", twin.tensor(e.getKey(), Device.REFERENCE), t);
                // PyTorch's own .float() of the stored dtype: the conversion matches to the bit
                assertBitsEqual(e.getKey() + " vs torch .float()", f32.tensor(e.getKey(), Device.REFERENCE), t);
            }
            assertEquals(DType.F64, twin.dtype("cls_token"));
        }
    }

    @Test
    void parametersIntegersAndOtherValuesComeOutAsData() throws IOException {
        try (TorchCheckpoint c = TorchCheckpoint.open(fixture("parameters.pth"))) {
            Map<String, Object> root = map(c.root());
            TorchTensor param = (TorchTensor) root.get("param");
            assertTrue(param.isParameter() && param.requiresGrad());
            TorchTensor frozen = (TorchTensor) root.get("frozen");
            assertTrue(frozen.isParameter() && !frozen.requiresGrad());
            assertArrayEquals(new float[] {-3000, -2000, -1000, 0, 1000, 2000, 3000}, read(root, "int64"));
            assertArrayEquals(new float[] {-(1 << 24), 1 << 24}, read(root, "int32"));
            assertArrayEquals(new float[] {0, 7, 255}, read(root, "uint8"));
            assertArrayEquals(new float[] {1, 0, 1}, read(root, "bool"));
            assertArrayEquals(new float[] {(float) (1.0 / 3.0), (float) -2.5e-40, 1e30f}, read(root, "float64"));
            assertArrayEquals(new int[] {0, 3}, ((TorchTensor) root.get("empty")).shape());
            assertArrayEquals(new int[] {}, ((TorchTensor) root.get("scalar")).shape());
            assertArrayEquals(new float[] {2.5f}, read(root, "scalar"));
            assertEquals(List.of(2L, 3L), root.get("int_size"));
            assertArrayEquals("bytes \u0000\u00ff".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                    (byte[]) root.get("text"));
            TorchCheckpointException e = assertThrows(TorchCheckpointException.class,
                    () -> ((TorchTensor) root.get("big_int")).tensor(Device.REFERENCE));
            assertTrue(e.getMessage().contains("16777217") && e.getMessage().contains("2^24"), e.getMessage());
        }
    }

    private static float[] read(Map<String, Object> root, String key) throws IOException {
        return ((TorchTensor) root.get(key)).tensor(Device.REFERENCE).toArray();
    }

    @Test
    void maliciousOsSystemIsRefusedByNameAndNothingRuns() throws IOException {
        Files.deleteIfExists(MARKER);
        UnsafePickleException e = assertThrows(UnsafePickleException.class,
                () -> TorchCheckpoint.open(fixture("malicious_os_system.pth")));
        assertEquals("os.system", e.global());
        assertTrue(e.getMessage().contains("refused: the pickle names os.system"), e.getMessage());
        UnsafePickleException e2 = assertThrows(UnsafePickleException.class,
                () -> TorchCheckpoint.open(fixture("malicious_stack_global.pth")));
        assertEquals("builtins.eval", e2.global());
        assertFalse(Files.exists(MARKER), "the pickle's command ran");
    }

    @Test
    void legacyTorchScriptAndExpandedFilesAreRefusedWithHowToConvert() {
        TorchCheckpointException legacy = assertThrows(TorchCheckpointException.class,
                () -> TorchCheckpoint.open(fixture("legacy.pth")));
        assertTrue(legacy.getMessage().contains("legacy PyTorch checkpoint format")
                && legacy.getMessage().contains("_use_new_zipfile_serialization=True"), legacy.getMessage());
        TorchCheckpointException script = assertThrows(TorchCheckpointException.class,
                () -> TorchCheckpoint.open(fixture("torchscript.pt")));
        assertTrue(script.getMessage().contains("TorchScript"), script.getMessage());
        TorchCheckpointException expanded = assertThrows(TorchCheckpointException.class,
                () -> TorchCheckpoint.open(fixture("expanded.pth")));
        assertTrue(expanded.getMessage().contains("more elements than its storage"), expanded.getMessage());
        TorchCheckpointException notZip = assertThrows(TorchCheckpointException.class,
                () -> TorchCheckpoint.open(fixture("official_tiny.safetensors")));
        assertTrue(notZip.getMessage().contains("safetensors"), notZip.getMessage());
    }

    @Test
    void sharedStoragesAtOffsetsAndStridesReadTheRightElements() throws IOException {
        float[] data = new float[12];
        for (int i = 0; i < 12; i++) {
            data[i] = i;
        }
        byte[] pickle = PickleBytes.proto(2).op('}').mark()
                .str("a").tensor("0", 12, 0, new int[] {3}, new int[] {1})
                .str("b").tensor("0", 12, 3, new int[] {4}, new int[] {1})
                .str("t").tensor("0", 12, 0, new int[] {4, 3}, new int[] {1, 4})
                .str("s").tensor("0", 12, 1, new int[] {2, 2}, new int[] {6, 2})
                .op('u').stop();
        Path f = PickleBytes.archive(dir.resolve("shared.pth"), pickle, Map.of("0", PickleBytes.floats(data)), false);
        try (TorchCheckpoint c = TorchCheckpoint.open(f)) {
            Map<String, Object> r = map(c.root());
            assertArrayEquals(new float[] {0, 1, 2}, read(r, "a"));
            assertArrayEquals(new float[] {3, 4, 5, 6}, read(r, "b"));
            // [3, 4] stored row-major read through its transpose [4, 3] with strides (1, 4)
            assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, read(r, "t"));
            assertArrayEquals(new float[] {1, 3, 7, 9}, read(r, "s"));
            assertEquals(1, c.storageCount());
        }
    }

    @Test
    void viewsOutsideTheirStorageAndStoragesOfTheWrongSizeAreRefused() throws IOException {
        byte[] outside = PickleBytes.proto(2).tensor("0", 4, 2, new int[] {3}, new int[] {1}).stop();
        assertRefused(
                PickleBytes.archive(dir.resolve("o.pth"), outside, Map.of("0", PickleBytes.floats(1, 2, 3, 4)), false),
                "reaches element 4 of storage '0', which holds 4");
        byte[] four = PickleBytes.proto(2).tensor("0", 4, 0, new int[] {4}, new int[] {1}).stop();
        assertRefused(PickleBytes.archive(dir.resolve("s.pth"), four, Map.of("0", PickleBytes.floats(1, 2, 3)), false),
                "needs 16 bytes, but archive/data/0 holds 12");
        assertRefused(PickleBytes.archive(dir.resolve("m.pth"), four, Map.of(), false), "has no entry archive/data/0");
        assertRefused(
                PickleBytes.archive(dir.resolve("c.pth"), four, Map.of("0", PickleBytes.floats(1, 2, 3, 4)), true),
                "is compressed");
        byte[] negative = PickleBytes.proto(2).tensor("0", 4, 0, new int[] {2}, new int[] {-1}).stop();
        assertRefused(
                PickleBytes.archive(dir.resolve("n.pth"), negative, Map.of("0", PickleBytes.floats(1, 2, 3, 4)), false),
                "negative stride");
    }

    @Test
    void readsBeyondTwiceTheStoredElementsAreRefused() throws IOException {
        int n = 1 << 20;
        // four distinct full-size views of one storage of 2^20 floats: 4 * 2^20 > 2 * 2^20 + 2^20
        byte[] pickle = PickleBytes.proto(2).mark()
                .tensor("0", n, 0, new int[] {n}, new int[] {1})
                .tensor("0", n, 0, new int[] {2, n / 2}, new int[] {n / 2, 1})
                .tensor("0", n, 0, new int[] {4, n / 4}, new int[] {n / 4, 1})
                .tensor("0", n, 0, new int[] {8, n / 8}, new int[] {n / 8, 1})
                .op('l').stop();
        Path f = PickleBytes.archive(dir.resolve("views.pth"), pickle, Map.of("0", new byte[4 * n]), false);
        try (TorchCheckpoint c = TorchCheckpoint.open(f)) {
            List<?> views = (List<?>) c.root();
            for (int i = 0; i < 3; i++) {
                ((TorchTensor) views.get(i)).tensor(Device.REFERENCE);
            }
            TorchCheckpointException e = assertThrows(TorchCheckpointException.class,
                    () -> ((TorchTensor) views.get(3)).tensor(Device.REFERENCE));
            assertTrue(e.getMessage().contains("more than twice"), e.getMessage());
        }
        // reading one tensor over and over is bounded the same way
        try (TorchCheckpoint c = TorchCheckpoint.open(f)) {
            TorchTensor first = (TorchTensor) ((List<?>) c.root()).get(0);
            first.tensor(Device.REFERENCE);
            first.tensor(Device.REFERENCE);
            first.tensor(Device.REFERENCE);
            assertThrows(TorchCheckpointException.class, () -> first.tensor(Device.REFERENCE));
        }
    }

    private static void assertRefused(Path file, String fragment) {
        TorchCheckpointException e = assertThrows(TorchCheckpointException.class,
                () -> TorchCheckpoint.open(file).close());
        assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' lacks '" + fragment + "'");
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }
}
