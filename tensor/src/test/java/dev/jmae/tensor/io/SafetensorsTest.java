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
        assertTrue(e.getMessage().contains(expectedFragment), "message '" + e.getMessage() + "' lacks '" + expectedFragment + "'");
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
        assertRejected(rawFile("{\"w\":{\"dtype\":\"F31\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "unknown dtype 'F31'");
        assertRejected(rawFile("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4), "jmae reads F32 only");
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
        assertRejected(rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "needs 12 bytes");
        assertRejected(rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), "invalid shape");
        assertRejected(rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8), "invalid data_offsets");
        assertRejected(rawFile("{\"__metadata__\":{\"a\":1}}", 0), "is not a string");
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
