package dev.jmae.tensor.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An open safetensors file whose header has been fully validated; tensor data is memory-mapped
 * and copied into a tensor only when asked for.
 *
 * <p>Validation at {@link #open(Path)}, each failure a {@link SafetensorsException} naming the
 * problem: the file is at least 8 bytes; the header length is positive and fits in the file; the
 * header is a JSON object; {@code __metadata__}, if present, maps strings to strings; every other
 * entry has a known dtype (only F32 is supported), a shape of non-negative ints, and
 * {@code data_offsets} [begin, end] with begin &lt;= end, end inside the data section, and
 * end - begin equal to 4 bytes per element; no two tensors overlap. An invalid file never yields a
 * tensor.
 */
public final class SafetensorsFile implements AutoCloseable {

    private static final Set<String> KNOWN_DTYPES = Set.of("BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16",
            "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64");
    /** Headers above this size are refused rather than allocated (the format allows 100 MB). */
    private static final long MAX_HEADER_BYTES = 100L << 20;

    /** One tensor's header entry. */
    private record Entry(String name, int[] shape, long begin, long end) {
    }

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path file, FileChannel channel, long dataStart, Map<String, Entry> entries,
                            Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    static SafetensorsFile open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            SafetensorsFile f = parse(file, ch);
            ch = null;
            return f;
        } finally {
            if (ch != null) {
                ch.close();
            }
        }
    }

    private static SafetensorsFile parse(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new SafetensorsException(file, "file is " + size + " bytes; a safetensors file starts with an 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long headerLen = lenBuf.flip().getLong();
        if (headerLen <= 0 || headerLen > size - 8) {
            throw new SafetensorsException(file, "header length " + Long.toUnsignedString(headerLen)
                    + " is past the end of the file (" + size + " bytes, so at most " + (size - 8) + ")");
        }
        if (headerLen > MAX_HEADER_BYTES) {
            throw new SafetensorsException(file, "header length " + headerLen + " exceeds the 100 MB limit");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
        readFully(ch, headerBuf, 8);
        JsonNode header;
        try {
            header = Safetensors.JSON.readTree(headerBuf.array());
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new SafetensorsException(file, "header must be a JSON object, got " + (header == null ? "nothing" : header.getNodeType()));
        }
        long dataStart = 8 + headerLen;
        long dataLen = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, Entry> entries = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = header.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String name = f.getKey();
            JsonNode node = f.getValue();
            if (name.equals(Safetensors.METADATA_KEY)) {
                if (!node.isObject()) {
                    throw new SafetensorsException(file, "__metadata__ must be an object of strings");
                }
                Iterator<Map.Entry<String, JsonNode>> m = node.fields();
                while (m.hasNext()) {
                    Map.Entry<String, JsonNode> kv = m.next();
                    if (!kv.getValue().isTextual()) {
                        throw new SafetensorsException(file, "__metadata__ value of '" + kv.getKey() + "' is not a string");
                    }
                    metadata.put(kv.getKey(), kv.getValue().asText());
                }
                continue;
            }
            entries.put(name, parseEntry(file, name, node, dataLen));
        }
        checkOverlaps(file, entries);
        return new SafetensorsFile(file, ch, dataStart, Collections.unmodifiableMap(entries),
                Collections.unmodifiableMap(metadata));
    }

    private static Entry parseEntry(Path file, String name, JsonNode node, long dataLen) throws SafetensorsException {
        if (!node.isObject()) {
            throw new SafetensorsException(file, "entry '" + name + "' is not an object");
        }
        JsonNode dtype = node.get("dtype");
        if (dtype == null || !dtype.isTextual()) {
            throw new SafetensorsException(file, "tensor '" + name + "' has no dtype string");
        }
        String dt = dtype.asText();
        if (!KNOWN_DTYPES.contains(dt)) {
            throw new SafetensorsException(file, "tensor '" + name + "' has unknown dtype '" + dt + "'");
        }
        if (!dt.equals("F32")) {
            throw new SafetensorsException(file, "tensor '" + name + "' has dtype " + dt
                    + "; jmae reads F32 only (hint: convert with tensor.float() before saving)");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new SafetensorsException(file, "tensor '" + name + "' has no shape array");
        }
        int[] shape = new int[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode s = shapeNode.get(i);
            if (!s.canConvertToInt() || !s.isIntegralNumber() || s.asInt() < 0) {
                throw new SafetensorsException(file, "tensor '" + name + "' has an invalid shape " + shapeNode);
            }
            shape[i] = s.asInt();
            numel *= shape[i];
        }
        if (numel > Integer.MAX_VALUE) {
            throw new SafetensorsException(file, "tensor '" + name + "' has more than 2^31-1 elements");
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()) {
            throw new SafetensorsException(file, "tensor '" + name + "' needs data_offsets [begin, end]");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw new SafetensorsException(file, "tensor '" + name + "' has invalid data_offsets [" + begin + ", " + end + "]");
        }
        if (end > dataLen) {
            throw new SafetensorsException(file, "tensor '" + name + "' has data_offsets [" + begin + ", " + end
                    + "] outside the data section of " + dataLen + " bytes");
        }
        if (end - begin != 4 * numel) {
            throw new SafetensorsException(file, "tensor '" + name + "' of shape " + Shape.format(shape) + " needs "
                    + 4 * numel + " bytes, but data_offsets span " + (end - begin));
        }
        return new Entry(name, shape, begin, end);
    }

    private static void checkOverlaps(Path file, Map<String, Entry> entries) throws SafetensorsException {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.removeIf(e -> e.begin == e.end);
        sorted.sort(Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < sorted.size(); i++) {
            Entry prev = sorted.get(i - 1);
            Entry cur = sorted.get(i);
            if (cur.begin < prev.end) {
                throw new SafetensorsException(file, "tensors '" + prev.name + "' [" + prev.begin + ", " + prev.end
                        + ") and '" + cur.name + "' [" + cur.begin + ", " + cur.end + ") overlap");
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    /**
     * The tensor names, in the header's order.
     *
     * @return names (without {@code __metadata__})
     */
    public List<String> names() {
        return List.copyOf(entries.keySet());
    }

    /**
     * Whether a tensor of this name exists.
     *
     * @param name the name
     * @return true if present
     */
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /**
     * A tensor's shape without reading its data.
     *
     * @param name the name
     * @return the shape
     * @throws IllegalArgumentException if there is no such tensor
     */
    public int[] shape(String name) {
        return entry(name).shape.clone();
    }

    /**
     * The string metadata of the header.
     *
     * @return an unmodifiable map, empty when the file has none
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Reads a tensor onto {@link Device#CPU} (the fixed default of creation without a device).
     *
     * @param name the name
     * @return a new tensor holding a copy of the data
     * @throws IOException if reading fails
     * @throws IllegalArgumentException if there is no such tensor
     */
    public Tensor tensor(String name) throws IOException {
        return tensor(name, Device.CPU);
    }

    /**
     * Reads a tensor onto a device, through a read-only memory map of its bytes.
     *
     * @param name the name
     * @param device where to put it
     * @return a new tensor holding a copy of the data
     * @throws IOException if reading fails
     * @throws IllegalArgumentException if there is no such tensor
     */
    public Tensor tensor(String name, Device device) throws IOException {
        Entry e = entry(name);
        float[] values = new float[(int) ((e.end - e.begin) / 4)];
        if (values.length > 0) {
            MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin, e.end - e.begin);
            map.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        }
        return Tensor.of(device, values, e.shape);
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(file + ": no tensor named '" + name + "'; the file has " + entries.size()
                    + " tensors" + (entries.size() <= 20 ? ": " + entries.keySet() : ""));
        }
        return e;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
