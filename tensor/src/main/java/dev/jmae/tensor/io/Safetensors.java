package dev.jmae.tensor.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reading and writing the safetensors format (huggingface/safetensors): an 8-byte little-endian
 * header length n, n bytes of UTF-8 JSON mapping each tensor name to its dtype, shape and
 * [begin, end) byte offsets in the data section (plus an optional {@code __metadata__} object of
 * string values), then the raw little-endian data. jmae writes and reads dtype F32.
 *
 * <p>Writes are atomic ({@link AtomicFiles}): the file is written to a temporary sibling, forced to
 * disk, then renamed over the target, so a failure mid-write never replaces a good file with a
 * broken one.
 */
public final class Safetensors {

    /** The metadata key of the header. */
    public static final String METADATA_KEY = "__metadata__";
    static final ObjectMapper JSON = new ObjectMapper();

    private Safetensors() {
    }

    /**
     * Opens a file for reading, validating the whole header first (see {@link SafetensorsFile}).
     *
     * @param file the file
     * @return the open file; close it when done
     * @throws SafetensorsException if the file is malformed, naming the problem
     * @throws IOException if it cannot be read
     */
    public static SafetensorsFile open(Path file) throws IOException {
        return SafetensorsFile.open(file);
    }

    /**
     * Reads every tensor of a file onto {@link dev.jmae.tensor.Device#CPU}, in header order.
     *
     * @param file the file
     * @return name to tensor, in the header's order
     * @throws SafetensorsException if the file is malformed
     * @throws IOException if it cannot be read
     */
    public static Map<String, Tensor> read(Path file) throws IOException {
        try (SafetensorsFile f = open(file)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String name : f.names()) {
                out.put(name, f.tensor(name));
            }
            return out;
        }
    }

    /**
     * Writes tensors (any device, any layout) and string metadata atomically. Tensors are
     * stored in the map's iteration order with contiguous offsets; the header is padded with
     * spaces to a multiple of 8 bytes.
     *
     * @param file the destination; replaced atomically if it exists
     * @param tensors name to tensor; names must not be {@code __metadata__}
     * @param metadata string metadata, or an empty map
     * @throws IOException if writing fails (the previous file, if any, is left untouched)
     * @throws IllegalArgumentException if a name is {@code __metadata__}
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) {
                throw new IllegalArgumentException(
                        "Safetensors.write: '" + METADATA_KEY + "' is reserved and cannot name a tensor");
            }
            Tensor t = e.getValue();
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", "F32");
            ArrayNode shape = entry.putArray("shape");
            for (int s : t.shape()) {
                shape.add(s);
            }
            long bytes = 4L * t.numel();
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        AtomicFiles.replace(file, ch -> {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(json);
            while (head.hasRemaining()) {
                head.put((byte) ' ');
            }
            head.flip();
            writeFully(ch, head);
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : tensors.values()) {
                float[] values = t.toArray();
                for (float v : values) {
                    if (!chunk.hasRemaining()) {
                        chunk.flip();
                        writeFully(ch, chunk);
                        chunk.clear();
                    }
                    chunk.putFloat(v);
                }
            }
            chunk.flip();
            writeFully(ch, chunk);
        });
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
