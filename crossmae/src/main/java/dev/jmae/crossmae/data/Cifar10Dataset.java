package dev.jmae.crossmae.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * CIFAR-10, binary version ({@code cifar-10-binary.tar.gz}), loaded into memory: each file is a
 * sequence of 3073-byte records, one label byte (0..9) then 3072 pixel bytes: the 32×32 red
 * plane, then green, then blue, rows top to bottom. That is already planar, so images are
 * [3, 32, 32] copied straight from the record. TRAIN reads {@code data_batch_1.bin} ..
 * {@code data_batch_5.bin} (50,000 images) in that order, TEST reads {@code test_batch.bin}
 * (10,000). Same images and order as torchvision's {@code datasets.CIFAR10}, which reads the
 * python pickles of the same data.
 *
 * <p>CIFAR-100's binary version (2 label bytes per record) is not supported.
 */
public final class Cifar10Dataset implements ImageDataset {

    /** Bytes per record: 1 label + 3·32·32 pixels. */
    public static final int RECORD_BYTES = 3073;
    private static final int SIDE = 32;
    private static final int PIXELS = 3 * SIDE * SIDE;
    /** The directory the official tarball extracts to. */
    static final String TARBALL_DIR = "cifar-10-batches-bin";

    private final List<byte[]> files;
    private final int[] starts;
    private final int count;
    private final String description;

    private Cifar10Dataset(List<byte[]> files, String description) {
        this.files = files;
        this.starts = new int[files.size() + 1];
        for (int i = 0; i < files.size(); i++) {
            starts[i + 1] = starts[i] + files.get(i).length / RECORD_BYTES;
        }
        this.count = starts[files.size()];
        this.description = description.replace("{count}", Integer.toString(count));
    }

    /**
     * Reads one split from a directory holding the binary batches (or holding the tarball's
     * {@code cifar-10-batches-bin/} folder).
     *
     * @param dir the directory
     * @param split TRAIN ({@code data_batch_1..5.bin}) or TEST ({@code test_batch.bin})
     * @return the dataset, N images of [3, 32, 32] with labels 0..9
     * @throws DatasetException if a batch file is missing (names it), its length is not a
     *     multiple of 3073 bytes, or a label is not 0..9 (names the file and byte offset)
     * @throws IOException if a file cannot be read
     */
    public static Cifar10Dataset split(Path dir, Split split) throws IOException {
        Path root = resolveRoot(dir);
        List<Path> paths = new ArrayList<>();
        if (split == Split.TRAIN) {
            for (int i = 1; i <= 5; i++) {
                paths.add(root.resolve("data_batch_" + i + ".bin"));
            }
        } else {
            paths.add(root.resolve("test_batch.bin"));
        }
        for (Path p : paths) {
            if (!Files.isRegularFile(p)) {
                throw new DatasetException(p + ": missing; the CIFAR-10 " + split.name().toLowerCase(Locale.ROOT)
                        + " split needs "
                        + (split == Split.TRAIN ? "data_batch_1.bin .. data_batch_5.bin" : "test_batch.bin")
                        + " in " + root);
            }
        }
        return open(paths, "CIFAR-10 " + split.name().toLowerCase(Locale.ROOT), root);
    }

    /**
     * Reads the given batch files, in order.
     *
     * @param files one or more CIFAR-10 binary batch files
     * @return the dataset
     * @throws DatasetException if a file's length is not a positive multiple of 3073 bytes or a
     *     label is not 0..9 (names the file and byte offset)
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if files is empty
     */
    public static Cifar10Dataset open(List<Path> files) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("Cifar10Dataset.open: expected at least one batch file");
        }
        Path parent = files.get(0).toAbsolutePath().getParent();
        return open(files, "CIFAR-10", parent == null ? files.get(0) : parent);
    }

    /**
     * Whether a directory holds CIFAR-10 binary batches, directly or in {@code cifar-10-batches-bin/}.
     *
     * @param dir the directory
     * @return true if {@code data_batch_1.bin} or {@code test_batch.bin} is there
     */
    static boolean present(Path dir) {
        Path root = resolveRoot(dir);
        return Files.isRegularFile(root.resolve("data_batch_1.bin"))
                || Files.isRegularFile(root.resolve("test_batch.bin"));
    }

    private static Path resolveRoot(Path dir) {
        Path inner = dir.resolve(TARBALL_DIR);
        return Files.isDirectory(inner) && !Files.isRegularFile(dir.resolve("data_batch_1.bin")) ? inner : dir;
    }

    private static Cifar10Dataset open(List<Path> paths, String name, Path location) throws IOException {
        List<byte[]> data = new ArrayList<>();
        for (Path p : paths) {
            long size = Files.size(p);
            if (size == 0 || size % RECORD_BYTES != 0) {
                long complete = size / RECORD_BYTES * RECORD_BYTES;
                throw new DatasetException(p + ": length " + size + " bytes is not a positive multiple of the "
                        + RECORD_BYTES + "-byte record (1 label byte + 3072 pixel bytes): the record starting at byte "
                        + complete + " is truncated after " + (size - complete) + " bytes");
            }
            if (size > Integer.MAX_VALUE - 8) {
                throw new DatasetException(p + ": " + size + " bytes is larger than a CIFAR-10 batch can be");
            }
            byte[] bytes = Files.readAllBytes(p);
            if (bytes.length != size) {
                throw new DatasetException(
                        p + ": changed while being read (" + size + " then " + bytes.length + " bytes)");
            }
            for (int off = 0; off < bytes.length; off += RECORD_BYTES) {
                int label = bytes[off] & 0xFF;
                if (label > 9) {
                    throw new DatasetException(
                            p + ": label " + label + " at byte " + off + " (record " + off / RECORD_BYTES
                                    + ") is not a CIFAR-10 class 0..9; hint: CIFAR-100's binary version (2 label bytes"
                                    + " per record) is not supported");
                }
            }
            data.add(bytes);
        }
        return new Cifar10Dataset(data, name + " (binary, {count} images 32x32x3, 10 classes) from " + location);
    }

    private int file(int index) {
        int f = 0;
        while (index >= starts[f + 1]) {
            f++;
        }
        return f;
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public Image image(int index) {
        Objects.checkIndex(index, count);
        int f = file(index);
        int off = (index - starts[f]) * RECORD_BYTES + 1;
        byte[] px = new byte[PIXELS];
        System.arraycopy(files.get(f), off, px, 0, PIXELS);
        return new Image(3, SIDE, SIDE, px);
    }

    @Override
    public int label(int index) {
        Objects.checkIndex(index, count);
        int f = file(index);
        return files.get(f)[(index - starts[f]) * RECORD_BYTES] & 0xFF;
    }

    @Override
    public int numClasses() {
        return 10;
    }

    @Override
    public int channels() {
        return 3;
    }

    @Override
    public String description() {
        return description;
    }
}
