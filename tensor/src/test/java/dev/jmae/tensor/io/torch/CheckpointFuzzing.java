package dev.jmae.tensor.io.torch;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.io.ModelWeights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the two checkpoint fuzz targets ({@link PickleFuzzTest}, {@link PthArchiveFuzzTest}) do with
 * a file: open it, read every tensor in the top two levels of its value, render the value as JSON,
 * and ask {@link ModelWeights} for a state dict. Only {@link TorchCheckpointException} (and its
 * {@link UnsafePickleException}) may escape, and the allocation stays within {@link #BASE_BYTES}
 * + {@link #BYTES_PER_INPUT_BYTE} per input byte.
 */
final class CheckpointFuzzing {

    static final long BASE_BYTES = 8L << 20;
    static final long BYTES_PER_INPUT_BYTE = 512;

    private CheckpointFuzzing() {
    }

    /** The storages next to a fuzzed data.pkl: float32 [16], float16 [8], int64 [4], bool [6] as keys 0-3. */
    static final Map<String, byte[]> STORAGES = storages();

    private static Map<String, byte[]> storages() {
        Map<String, byte[]> s = new LinkedHashMap<>();
        ByteBuffer f = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) {
            f.putFloat(i - 7.5f);
        }
        s.put("0", f.array());
        ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 8; i++) {
            h.putShort(Float.floatToFloat16(i * 0.25f));
        }
        s.put("1", h.array());
        ByteBuffer l = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putLong(1).putLong(-2).putLong(1L << 24)
                .putLong((1L << 24) + 1);
        s.put("2", l.array());
        s.put("3", new byte[] {0, 1, 1, 0, 2, 1});
        return s;
    }

    static void readEverything(Path file) throws Exception {
        try (TorchCheckpoint c = TorchCheckpoint.open(file)) {
            Object root = c.root();
            PickleValues.toJson(root);
            PickleValues.describe(root, 3);
            for (Object v : topTwoLevels(root)) {
                if (v instanceof TorchTensor t) {
                    t.tensor(Device.REFERENCE);
                } else if (v instanceof PickleObject o) {
                    o.attributes();
                }
            }
        }
        ModelWeights.read(file, Device.REFERENCE);
    }

    private static List<Object> topTwoLevels(Object root) {
        List<Object> out = new ArrayList<>();
        out.add(root);
        for (Object v : children(root)) {
            out.add(v);
            out.addAll(children(v));
        }
        return out;
    }

    private static List<Object> children(Object o) {
        if (o instanceof Map<?, ?> m) {
            return new ArrayList<>(m.values());
        }
        if (o instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        return List.of();
    }
}
