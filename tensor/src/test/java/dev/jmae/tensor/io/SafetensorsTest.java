package dev.jmae.tensor.io;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.testing.ParityAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Round trips, interoperability with an independent writer, and rejection of malformed files. */
class SafetensorsTest {

    @TempDir
    Path dir;

    @Test
    void writtenFileReadsBackBitIdenticalWithMetadata() throws IOException {
        float[] special = {0f, -0f, Float.NaN, Float.intBitsToFloat(0x7fc00123), Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MAX_VALUE, 1e-40f, 3.14159f};
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("blocks.0.attn.qkv.weight", Tensor.randn(new Generator(1), 6, 4));
        tensors.put("special", Tensor.of(special, 2, 5));
        tensors.put("transposed", Tensor.randn(new Generator(2), 3, 5).transpose(0, 1));
        tensors.put("scalar", Tensor.scalar(2.5f));
        tensors.put("empty", Tensor.zeros(0, 3));
        Map<String, String> meta = Map.of("config", "{\"embed_dim\": 32}", "format", "pt");
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, tensors, meta);
        try (SafetensorsFile f = Safetensors.open(file)) {
            assertEquals(List.copyOf(tensors.keySet()), f.names());
            assertEquals(meta, f.metadata());
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor back = f.tensor(e.getKey(), Device.REFERENCE);
                assertArrayEquals(e.getValue().shape(), back.shape(), e.getKey());
                float[] expected = e.getValue().toArray();
                float[] actual = back.toArray();
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                            e.getKey() + "[" + i + "]");
                }
            }
        }
        // the header is padded to 8 bytes, so the data section is aligned
        ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, head.getLong() % 8);
        // no temporary files are left behind
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void readsAFileWrittenByTheIndependentPythonWriter() throws Exception {
        Path file = Path.of(getClass().getResource("/io/python_linear.safetensors").toURI());
        Map<String, Tensor> t = Safetensors.read(file);
        // the fixture is torch.nn.Linear(7, 5) applied to x [3, 4, 7] (tools/golden/make_fixtures.py)
        Tensor y = t.get("input.x").linear(t.get("param.weight"), t.get("param.bias"));
        ParityAssert.assertClose("python linear", t.get("output"), y, 1e-5, 1e-6);
        try (SafetensorsFile f = Safetensors.open(file)) {
            assertTrue(f.metadata().get("torch_version").startsWith("1.13"), f.metadata().toString());
            assertArrayEquals(new int[] {5, 7}, f.shape("param.weight"));
        }
    }

    private Path rawFile(String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(json.length).put(json);
        Path file = Files.createTempFile(dir, "bad", ".safetensors");
        Files.write(file, buf.array());
        return file;
    }

    private void assertRejected(Path file, String expectedFragment) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.open(file).close());
        assertTrue(e.getMessage().contains(expectedFragment),
                "message '" + e.getMessage() + "' lacks '" + expectedFragment + "'");
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }

    @Test
    void headerLengthPastTheEndIsRejected() throws IOException {
        Path file = dir.resolve("long.safetensors");
        ByteBuffer buf = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).putLong(0);
        Files.write(file, buf.array());
        assertRejected(file, "header length 1000 is past the end of the file (16 bytes");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[3]);
        assertRejected(tiny, "file is 3 bytes");
    }

    @Test
    void offsetsOutsideTheDataAreRejected() throws IOException {
        assertRejected(rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8),
                "data_offsets [0, 16] outside the data section of 8 bytes");
    }

    @Test
    void unknownAndUnsupportedDtypesAreRejected() throws IOException {
        assertRejected(rawFile("{\"w\":{\"dtype\":\"F31\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                "unknown dtype 'F31'");
        assertRejected(rawFile("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2),
                "dtype F8_E4M3, which jmae does not read");
        assertRejected(rawFile("{\"w\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8),
                "dtype U64, which jmae does not read");
    }

    @Test
    void overlappingTensorsAreRejected() throws IOException {
        assertRejected(rawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlap");
    }

    @Test
    void otherMalformedHeadersAreRejected() throws IOException {
        assertRejected(rawFile("{not json", 0), "header is not valid JSON");
        assertRejected(rawFile("[1,2]", 0), "header must be a JSON object");
        assertRejected(rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8),
                "needs 12 bytes");
        assertRejected(rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4),
                "invalid shape");
        assertRejected(rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8),
                "invalid data_offsets");
        assertRejected(rawFile("{\"__metadata__\":{\"a\":1}}", 0), "is not a string");
    }

    // ---- findings of the bad-input probe (issue 20, item 5): each case was accepted before its fix

    @Test
    void aKeyGivenTwiceIsRejected() throws IOException {
        // same range twice: the tiling check alone would pass it, and the last entry would win
        assertRejected(rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                "names a key twice: Duplicate field 'w'");
        assertRejected(rawFile("{\"__metadata__\":{\"config\":\"a\",\"config\":\"b\"}}", 0),
                "Duplicate field 'config'");
    }

    @Test
    void offsetsOf2To64OrMoreDoNotWrapAround() throws IOException {
        // 2^64 and 2^64 + 4 read as longs wrap to 0 and 4, a valid range of this file
        assertRejected(rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],"
                + "\"data_offsets\":[18446744073709551616,18446744073709551620]}}", 4),
                "expected 0 <= begin <= end < 2^63");
        assertRejected(rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],"
                + "\"data_offsets\":[9223372036854775808,9223372036854775812]}}", 4), "invalid data_offsets");
    }

    @Test
    void bytesAfterTheHeaderObjectAreRejectedButSpacePaddingIsNot() throws IOException {
        String w = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertRejected(rawFile(w + "{\"v\":1}", 4), "header has bytes after its JSON object, from byte " + w.length());
        assertRejected(rawFile(w + "xyz", 4), "header has bytes after its JSON object");
        assertRejected(rawFile(w + "\u0000\u0000", 4), "header has bytes after its JSON object");
        Safetensors.open(rawFile(w + "   \n", 4)).close();
    }

    @Test
    void anElementCountThatOverflowsIsRejected() throws IOException {
        // 65536^4 = 2^64 wraps to 0 elements in a long, which matched data_offsets [0, 0]
        assertRejected(
                rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[65536,65536,65536,65536],\"data_offsets\":[0,0]}}", 0),
                "has more than 2^31-1 elements");
        assertRejected(
                rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,0],\"data_offsets\":[0,0]}}", 0),
                "has more than 2^31-1 elements");
    }

    @Test
    void theDataSectionMustBeTiledExactly() throws IOException {
        assertRejected(rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12),
                "the data section has 8 bytes after the last tensor 'w' ends at byte 4");
        assertRejected(rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
                "bytes [0, 4) of the data section belong to no tensor (before 'w')");
        assertRejected(rawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12), "between 'a' and 'b'");
    }

    @Test
    void everyReadDtypeMatchesPyTorchsFloatConversion() throws Exception {
        // tools/golden/make_checkpoint_fixtures.py: '<dtype>' and '<dtype>.expected' = PyTorch's .float() of it
        Path file = Path.of(getClass().getResource("/io/torch/dtypes.safetensors").toURI());
        try (SafetensorsFile f = Safetensors.open(file)) {
            int checked = 0;
            for (String name : f.names()) {
                if (name.endsWith(".expected")) {
                    continue;
                }
                float[] want = f.tensor(name + ".expected", Device.REFERENCE).toArray();
                float[] got = f.tensor(name, Device.REFERENCE).toArray();
                assertEquals(want.length, got.length, name);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                            name + "[" + i + "]: want " + want[i] + ", got " + got[i]);
                }
                checked++;
            }
            assertEquals(9, checked);
            assertEquals(DType.BF16, f.dtype("bf16"));
        }
    }

    @Test
    void valuesFloat32CannotHoldAreRefusedWhenRead() throws IOException {
        ByteBuffer big = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(7).putLong((1L << 24) + 1);
        Path ints = rawFileWithData("{\"i\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", big.array());
        try (SafetensorsFile f = Safetensors.open(ints)) {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> f.tensor("i", Device.REFERENCE));
            assertTrue(e.getMessage().contains("tensor 'i' (I64) element 1: integer 16777217 is beyond 2^24"),
                    e.getMessage());
        }
        ByteBuffer huge = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(1e300);
        Path doubles = rawFileWithData("{\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]}}", huge.array());
        try (SafetensorsFile f = Safetensors.open(doubles)) {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> f.tensor("d", Device.REFERENCE));
            assertTrue(e.getMessage().contains("float64 value 1.0E300 is beyond float32's range"), e.getMessage());
        }
    }

    @Test
    void aPyTorchZipGivenAsSafetensorsSaysWhatItIs() throws Exception {
        Path pth = Path.of(getClass().getResource("/io/torch/official_tiny.pth").toURI());
        assertRejected(pth, "this is a zip archive, as PyTorch's torch.save writes");
    }

    private Path rawFileWithData(String header, byte[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(json.length).put(json).put(data);
        Path file = Files.createTempFile(dir, "data", ".safetensors");
        Files.write(file, buf.array());
        return file;
    }

    @Test
    void aFailedWriteLeavesThePreviousFileIntact() throws IOException {
        Path file = dir.resolve("ckpt.safetensors");
        Safetensors.write(file, Map.of("w", Tensor.ones(3)), Map.of());
        byte[] before = Files.readAllBytes(file);
        Tensor released = Tensor.ones(1000);
        released.release();
        Map<String, Tensor> broken = new LinkedHashMap<>();
        broken.put("w", Tensor.zeros(3));
        broken.put("gone", released);
        assertThrows(IllegalStateException.class, () -> Safetensors.write(file, broken, Map.of()));
        assertArrayEquals(before, Files.readAllBytes(file));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }
}
