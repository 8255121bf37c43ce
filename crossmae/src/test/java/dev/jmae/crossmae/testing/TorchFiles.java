package dev.jmae.crossmae.testing;

import dev.jmae.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes PyTorch zip checkpoints as {@code torch.save} lays them out ({@code archive/data.pkl},
 * {@code archive/data/KEY}, {@code archive/version}), for tests of the commands that take
 * {@code .pth} files: the pickle (protocol 2) builds dicts, lists, strings, numbers, booleans,
 * None, an {@code argparse.Namespace} ({@link Namespace}) and float32 tensors through
 * {@code torch._utils._rebuild_tensor_v2}, each tensor on its own storage. The pickle opcodes are
 * those of Python's pickle.py; PyTorch 1.13 reads these files with {@code torch.load}.
 */
public final class TorchFiles {

    private TorchFiles() {
    }

    /**
     * An {@code argparse.Namespace} (the official scripts' {@code args}).
     *
     * @param attributes attribute name to value
     */
    public record Namespace(Map<String, Object> attributes) {
    }

    /**
     * Writes a checkpoint.
     *
     * @param file the .pth to write
     * @param root the top-level dict: values are Tensor, Map, List, String, Integer, Long (int32
     *     range), Double, Boolean, null or Namespace
     * @return the file
     * @throws IOException if writing fails
     */
    public static Path write(Path file, Map<String, ?> root) throws IOException {
        Pickler p = new Pickler();
        p.op(0x80, 2);
        p.value(root);
        p.op('.');
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(file))) {
            put(z, "archive/data.pkl", p.out.toByteArray());
            for (Map.Entry<String, byte[]> e : p.storages.entrySet()) {
                put(z, "archive/data/" + e.getKey(), e.getValue());
            }
            put(z, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
        return file;
    }

    /**
     * The official checkpoint layout of {@code misc.save_model}: {@code model}, {@code optimizer}
     * (empty here), {@code epoch}, {@code scaler} and {@code args}.
     *
     * @param file the .pth to write
     * @param model the state dict
     * @param args the args' attributes
     * @return the file
     * @throws IOException if writing fails
     */
    public static Path official(Path file, Map<String, Tensor> model, Map<String, Object> args) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("model", model);
        root.put("optimizer", Map.of("state", Map.of(), "param_groups", List.of()));
        root.put("epoch", 7);
        root.put("scaler", Map.of("scale", 65536.0));
        root.put("args", new Namespace(args));
        return write(file, root);
    }

    private static void put(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }

    /** The pickle of one checkpoint and the storages it references. */
    private static final class Pickler {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final Map<String, byte[]> storages = new LinkedHashMap<>();

        Pickler op(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        void raw(byte[] b) {
            out.writeBytes(b);
        }

        void str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
            raw(b);
        }

        void integer(long v) {
            if (v != (int) v) {
                throw new IllegalArgumentException("only int32 values: " + v);
            }
            op('J');
            raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        }

        void global(String module, String name) {
            op('c');
            raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        }

        void value(Object v) {
            switch (v) {
                case null -> op('N');
                case Boolean b -> op(b ? 0x88 : 0x89);
                case Integer i -> integer(i);
                case Long l -> integer(l);
                case Double d -> {
                    op('G');
                    raw(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(d).array());
                }
                case String s -> str(s);
                case Tensor t -> tensor(t);
                case Namespace n -> {
                    global("argparse", "Namespace");
                    op(')', 'R');
                    value(n.attributes());
                    op('b');
                }
                case Map<?, ?> m -> {
                    op('}');
                    if (!m.isEmpty()) {
                        op('(');
                        for (Map.Entry<?, ?> e : m.entrySet()) {
                            value(e.getKey());
                            value(e.getValue());
                        }
                        op('u');
                    }
                }
                case List<?> l -> {
                    op(']');
                    if (!l.isEmpty()) {
                        op('(');
                        l.forEach(this::value);
                        op('e');
                    }
                }
                default -> throw new IllegalArgumentException("cannot pickle a " + v.getClass().getName());
            }
        }

        /** _rebuild_tensor_v2(('storage', torch.FloatStorage, key, 'cpu', numel), 0, size, stride, False, OrderedDict()). */
        void tensor(Tensor t) {
            float[] values = t.contiguous().toArray();
            String key = Integer.toString(storages.size());
            ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : values) {
                b.putFloat(f);
            }
            storages.put(key, b.array());
            int[] shape = t.shape();
            global("torch._utils", "_rebuild_tensor_v2");
            op('(');
            op('(');
            str("storage");
            global("torch", "FloatStorage");
            str(key);
            str("cpu");
            integer(values.length);
            op('t', 'Q');
            integer(0);
            op('(');
            for (int s : shape) {
                integer(s);
            }
            op('t', '(');
            long stride = 1;
            long[] strides = new long[shape.length];
            for (int i = shape.length - 1; i >= 0; i--) {
                strides[i] = stride;
                stride *= shape[i];
            }
            for (long s : strides) {
                integer(s);
            }
            op('t', 0x89);
            global("collections", "OrderedDict");
            op(')', 'R');
            op('t', 'R');
        }
    }
}
