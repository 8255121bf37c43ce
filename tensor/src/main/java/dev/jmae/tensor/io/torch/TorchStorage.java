package dev.jmae.tensor.io.torch;

import dev.jmae.tensor.io.DType;

import java.util.Map;

/**
 * One storage of a checkpoint: the archive entry {@code <archive>/data/<key>} holding numel
 * elements of one PyTorch storage type, shared by every tensor that views it.
 */
final class TorchStorage {

    /** PyTorch storage type name to (jmae dtype or null when unreadable, bytes per element). */
    private record Kind(DType dtype, int itemSize, String torchName) {
    }

    private static final Map<String, Kind> KINDS = Map.ofEntries(
            Map.entry("FloatStorage", new Kind(DType.F32, 4, "float32")),
            Map.entry("HalfStorage", new Kind(DType.F16, 2, "float16")),
            Map.entry("BFloat16Storage", new Kind(DType.BF16, 2, "bfloat16")),
            Map.entry("DoubleStorage", new Kind(DType.F64, 8, "float64")),
            Map.entry("LongStorage", new Kind(DType.I64, 8, "int64")),
            Map.entry("IntStorage", new Kind(DType.I32, 4, "int32")),
            Map.entry("ShortStorage", new Kind(DType.I16, 2, "int16")),
            Map.entry("CharStorage", new Kind(DType.I8, 1, "int8")),
            Map.entry("ByteStorage", new Kind(DType.U8, 1, "uint8")),
            Map.entry("BoolStorage", new Kind(DType.BOOL, 1, "bool")),
            Map.entry("ComplexFloatStorage", new Kind(null, 8, "complex64")),
            Map.entry("ComplexDoubleStorage", new Kind(null, 16, "complex128")),
            Map.entry("QInt8Storage", new Kind(null, 1, "qint8")),
            Map.entry("QUInt8Storage", new Kind(null, 1, "quint8")),
            Map.entry("QInt32Storage", new Kind(null, 4, "qint32")),
            Map.entry("QUInt4x2Storage", new Kind(null, 1, "quint4x2")),
            Map.entry("QUInt2x4Storage", new Kind(null, 1, "quint2x4")),
            Map.entry("UntypedStorage", new Kind(null, 1, "untyped bytes")));

    private final String key;
    private final String typeName;
    private final Kind kind;
    private final long numel;
    private final String location;

    private TorchStorage(String key, String typeName, Kind kind, long numel, String location) {
        this.key = key;
        this.typeName = typeName;
        this.kind = kind;
        this.numel = numel;
        this.location = location;
    }

    /**
     * A storage as a persistent id names it.
     *
     * @param key the archive key
     * @param typeName PyTorch's storage class name, e.g. {@code HalfStorage}
     * @param numel elements
     * @param location where it was saved from, e.g. {@code cuda:0}
     * @return the storage, or null if the type is unknown
     */
    static TorchStorage of(String key, String typeName, long numel, String location) {
        Kind k = KINDS.get(typeName);
        return k == null ? null : new TorchStorage(key, typeName, k, numel, location);
    }

    String key() {
        return key;
    }

    String typeName() {
        return typeName;
    }

    /** @return the dtype, or null when jmae cannot convert this storage type to float32 */
    DType dtype() {
        return kind.dtype;
    }

    int itemSize() {
        return kind.itemSize;
    }

    String torchName() {
        return kind.torchName;
    }

    long numel() {
        return numel;
    }

    String location() {
        return location;
    }
}
