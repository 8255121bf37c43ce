package dev.jmae.tensor.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
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
 * and copied into a float32 tensor only when asked for.
 *
 * <p>Validation at {@link #open(Path)}, each failure a {@link SafetensorsException} naming the
 * problem, as strict as the reference reader (huggingface/safetensors {@code validate}): the file
 * is at least 8 bytes; the header length is positive and fits in the file; the header is one JSON
 * object, followed by nothing but whitespace padding, with no key twice (a repeated key would
 * silently replace the first); {@code __metadata__}, if present, maps strings to strings; every
 * other entry has a dtype jmae reads (see {@link DType}; other safetensors dtypes are refused by
 * name), a shape of non-negative ints with at most 2^31-1 elements, and {@code data_offsets}
 * [begin, end] of integers in [0, 2^63) with begin &lt;= end, end - begin equal to the element
 * count times the dtype's size; the tensors tile the data section exactly: no overlaps, no bytes
 * between them and none after the last (empty tensors may sit at any offset). An invalid file
 * never yields a tensor.
 *
 * <p>Tensors of dtype F16, BF16, F64 and the integer types are converted to float32 when read,
 * with the rounding and the range checks stated in {@link DType}.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Every dtype the safetensors format defines; those jmae does not read are refused by name. */
    private static final Set<String> KNOWN_DTYPES = Set.of("BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4",
            "F6_E2M3", "F6_E3M2", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64", "C64");
    /** Header JSON: a key given twice is an error instead of the last one silently winning. */
    private static final ObjectMapper HEADER_JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    /** Tensors are read through memory maps of at most this many bytes (a map is limited to 2 GB). */
    private static final int MAP_CHUNK_BYTES = 1 << 30;
    /** Headers above this size are refused rather than allocated (the format allows 100 MB). */
    private static final long MAX_HEADER_BYTES = 100L << 20;

    /** One tensor's header entry. */
    private record Entry(String name, DType dtype, int[] shape, long begin, long end) {
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
            throw new SafetensorsException(file,
                    "file is " + size + " bytes; a safetensors file starts with an 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long headerLen = lenBuf.flip().getLong();
        if (headerLen <= 0 || headerLen > size - 8) {
            throw new SafetensorsException(file, "header length " + Long.toUnsignedString(headerLen)
                    + " is past the end of the file (" + size + " bytes, so at most " + (size - 8) + ")"
                    + notSafetensorsHint(lenBuf.array()));
        }
        if (headerLen > MAX_HEADER_BYTES) {
            throw new SafetensorsException(file, "header length " + headerLen + " exceeds the 100 MB limit");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
        readFully(ch, headerBuf, 8);
        JsonNode header = parseHeader(file, headerBuf.array());
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
                        throw new SafetensorsException(file,
                                "__metadata__ value of '" + kv.getKey() + "' is not a string");
                    }
                    metadata.put(kv.getKey(), kv.getValue().asText());
                }
                continue;
            }
            entries.put(name, parseEntry(file, name, node, dataLen));
        }
        checkTiling(file, entries, dataLen);
        return new SafetensorsFile(file, ch, dataStart, Collections.unmodifiableMap(entries),
                Collections.unmodifiableMap(metadata));
    }

    /** What the first bytes say the file is, when they say it is something else. */
    private static String notSafetensorsHint(byte[] first8) {
        if (first8[0] == 'P' && first8[1] == 'K' && first8[2] == 3 && first8[3] == 4) {
            return "; this is a zip archive, as PyTorch's torch.save writes (.pth, .pt, .bin), not safetensors"
                    + " (ModelWeights reads both)";
        }
        if ((first8[0] & 0xFF) == 0x80 && first8[1] >= 2 && first8[1] <= 5) {
            return "; it starts like a Python pickle, as PyTorch's legacy (before 1.6) torch.save writes, not safetensors";
        }
        return "";
    }

    /** The header's one JSON object; duplicate keys and anything but whitespace after it are errors. */
    private static JsonNode parseHeader(Path file, byte[] bytes) throws SafetensorsException {
        try (JsonParser p = HEADER_JSON.createParser(bytes)) {
            JsonNode header = HEADER_JSON.readTree(p);
            if (header == null || !header.isObject()) {
                throw new SafetensorsException(file, "header must be a JSON object, got "
                        + (header == null ? "nothing" : header.getNodeType()));
            }
            long end = p.currentLocation().getByteOffset();
            JsonToken extra;
            try {
                extra = p.nextToken();
            } catch (JsonProcessingException e) {
                extra = JsonToken.NOT_AVAILABLE;
            }
            if (extra != null) {
                throw new SafetensorsException(file, "header has bytes after its JSON object, from byte " + end
                        + " of the " + bytes.length + "-byte header (only space padding may follow the object)");
            }
            return header;
        } catch (JsonProcessingException e) {
            String why = e.getOriginalMessage();
            if (why != null && why.startsWith("Duplicate field")) {
                throw new SafetensorsException(file, "header names a key twice: " + why
                        + " (the reference reader refuses this; one value would silently replace the other)", e);
            }
            throw new SafetensorsException(file, "header is not valid JSON: " + why, e);
        } catch (IOException e) {
            throw new SafetensorsException(file, "header cannot be parsed: " + e.getMessage(), e);
        }
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
        DType type = DType.ofSafetensors(dt);
        if (type == null) {
            throw new SafetensorsException(file, "tensor '" + name + "' has dtype " + dt + ", which jmae does not read"
                    + " (it reads " + java.util.Arrays.toString(DType.values()) + ", converted to float32);"
                    + " hint: convert the tensor to float32 before saving");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new SafetensorsException(file, "tensor '" + name + "' has no shape array");
        }
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode s = shapeNode.get(i);
            if (!s.isIntegralNumber() || !s.canConvertToInt() || s.asInt() < 0) {
                throw new SafetensorsException(file, "tensor '" + name + "' has an invalid shape " + shapeNode);
            }
            shape[i] = s.asInt();
        }
        int numel;
        try {
            // checked at every step, so a product that wraps (to 0, say) is caught
            numel = Shape.numel(shape);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(file, "tensor '" + name + "' of shape " + Shape.format(shape)
                    + " has more than 2^31-1 elements, the most a jmae tensor holds");
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()) {
            throw new SafetensorsException(file, "tensor '" + name + "' needs data_offsets [begin, end]");
        }
        JsonNode b = offsets.get(0);
        JsonNode e = offsets.get(1);
        // an offset of 2^64 or more would wrap around in asLong; read only what fits
        if (!b.canConvertToLong() || !e.canConvertToLong() || b.asLong() < 0 || e.asLong() < b.asLong()) {
            throw new SafetensorsException(file, "tensor '" + name + "' has invalid data_offsets [" + b.asText() + ", "
                    + e.asText() + "]: expected 0 <= begin <= end < 2^63");
        }
        long begin = b.asLong();
        long end = e.asLong();
        if (end > dataLen) {
            throw new SafetensorsException(file, "tensor '" + name + "' has data_offsets [" + begin + ", " + end
                    + "] outside the data section of " + dataLen + " bytes");
        }
        long need = (long) numel * type.itemSize();
        if (end - begin != need) {
            throw new SafetensorsException(file, "tensor '" + name + "' of shape " + Shape.format(shape) + " and dtype "
                    + dt + " needs " + need + " bytes, but data_offsets span " + (end - begin));
        }
        return new Entry(name, type, shape, begin, end);
    }

    /** The tensors must cover the data section exactly: no overlap, no gap, nothing after the last. */
    private static void checkTiling(Path file, Map<String, Entry> entries, long dataLen) throws SafetensorsException {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.removeIf(e -> e.begin == e.end);
        sorted.sort(Comparator.comparingLong(Entry::begin));
        long covered = 0;
        Entry prev = null;
        for (Entry cur : sorted) {
            if (cur.begin < covered) {
                throw new SafetensorsException(file, "tensors '" + prev.name + "' [" + prev.begin + ", " + prev.end
                        + ") and '" + cur.name + "' [" + cur.begin + ", " + cur.end + ") overlap");
            }
            if (cur.begin > covered) {
                throw new SafetensorsException(file,
                        "bytes [" + covered + ", " + cur.begin + ") of the data section belong"
                                + " to no tensor (" + (prev == null ? "before '" + cur.name + "'"
                                        : "between '" + prev.name
                                                + "' and '" + cur.name + "'")
                                + "); the reference reader refuses such gaps");
            }
            covered = cur.end;
            prev = cur;
        }
        if (covered != dataLen) {
            throw new SafetensorsException(file, "the data section has " + (dataLen - covered) + " bytes after the last"
                    + " tensor" + (prev == null ? "" : " '" + prev.name + "'") + " ends at byte " + covered
                    + "; hint: the file may be two files joined or a copy that went wrong");
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
     * Reads a tensor onto a device, through read-only memory maps of its bytes, converting its
     * dtype to float32 as {@link DType} states.
     *
     * @param name the name
     * @param device where to put it
     * @return a new tensor holding a copy of the data
     * @throws SafetensorsException if a value cannot be held in float32 (an integer beyond 2^24,
     *     a finite float64 beyond float32's range), naming the tensor and element
     * @throws IOException if reading fails
     * @throws IllegalArgumentException if there is no such tensor
     */
    public Tensor tensor(String name, Device device) throws IOException {
        Entry e = entry(name);
        int numel = Shape.numel(e.shape);
        float[] values = new float[numel];
        int itemSize = e.dtype.itemSize();
        int perChunk = MAP_CHUNK_BYTES / itemSize;
        for (int first = 0; first < numel; first += perChunk) {
            int count = Math.min(perChunk, numel - first);
            MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY,
                    dataStart + e.begin + (long) first * itemSize,
                    (long) count * itemSize);
            map.order(ByteOrder.LITTLE_ENDIAN);
            int bad = e.dtype.decode(map, 0, values, first, count);
            if (bad >= 0) {
                throw new SafetensorsException(file, "tensor '" + name + "' (" + e.dtype + ") element " + (first + bad)
                        + ": " + e.dtype.whyNot(map, bad));
            }
        }
        return Tensor.of(device, values, e.shape);
    }

    /**
     * A tensor's stored dtype (tensors are float32 once read).
     *
     * @param name the name
     * @return the dtype of the file's data
     * @throws IllegalArgumentException if there is no such tensor
     */
    public DType dtype(String name) {
        return entry(name).dtype;
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
