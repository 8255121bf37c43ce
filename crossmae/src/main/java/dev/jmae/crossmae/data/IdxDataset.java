package dev.jmae.crossmae.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * MNIST-style IDX files (MNIST, Fashion-MNIST, KMNIST), loaded into memory: a
 * {@code *-images-idx3-ubyte} file (magic 0x00000803, then count N, rows H, columns W as
 * big-endian u32, then N·H·W unsigned bytes) and a {@code *-labels-idx1-ubyte} file (magic
 * 0x00000801, count N, then N label bytes). Either may be gzip-compressed; compression is
 * detected from the gzip magic bytes, not the file name. Images are [1, H, W].
 *
 * <p>Validation is complete: magic numbers (which also fix the number of dimensions), positive
 * sizes, equal image and label counts, and data lengths exactly as declared (no missing and no
 * extra bytes). A violation throws {@link DatasetException} naming the file and the byte offset
 * in the uncompressed stream. Memory grows with the data read, not with the counts a header
 * declares, so a small file that claims two billion images fails as truncated without allocating
 * gigabytes first. Equivalent of torchvision's {@code datasets.FashionMNIST} /
 * {@code MNIST} reading {@code raw/}.
 */
public final class IdxDataset implements ImageDataset {

    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;
    private static final int IMAGES_HEADER_BYTES = 16;
    private static final int LABELS_HEADER_BYTES = 8;
    /** First size of a read buffer; it doubles as data arrives, up to what the header declares. */
    private static final int INITIAL_READ_BYTES = 1 << 16;

    private final byte[] images;
    private final byte[] labels;
    private final int count;
    private final int rows;
    private final int cols;
    private final int numClasses;
    private final String description;

    private IdxDataset(byte[] images, byte[] labels, int count, int rows, int cols, String description) {
        this.images = images;
        this.labels = labels;
        this.count = count;
        this.rows = rows;
        this.cols = cols;
        int max = 0;
        for (byte b : labels) {
            max = Math.max(max, b & 0xFF);
        }
        this.numClasses = max + 1;
        this.description = description.replace("{classes}", Integer.toString(numClasses));
    }

    /**
     * Reads an image file and its label file.
     *
     * @param images the {@code idx3} image file, gzip-compressed or not
     * @param labels the {@code idx1} label file, gzip-compressed or not
     * @return the dataset, N images of [1, H, W]
     * @throws DatasetException if a file is not IDX of the expected kind, is truncated or too
     *     long, or the counts differ (names the file and byte offset)
     * @throws IOException if a file cannot be read
     */
    public static IdxDataset open(Path images, Path labels) throws IOException {
        Path dir = images.toAbsolutePath().getParent();
        return open(images, labels, dir == null ? "IDX dataset" : datasetName(dir));
    }

    /**
     * Reads one split from a directory holding {@code train-images-idx3-ubyte[.gz]},
     * {@code train-labels-idx1-ubyte[.gz]} and the {@code t10k-} pair (the dotted spelling
     * {@code train-images.idx3-ubyte} of some mirrors is accepted too; an uncompressed file wins
     * over a compressed one).
     *
     * @param dir the directory
     * @param split TRAIN ({@code train-*}) or TEST ({@code t10k-*})
     * @return the dataset
     * @throws DatasetException if a file is missing (names what was looked for) or invalid
     * @throws IOException if a file cannot be read
     */
    public static IdxDataset split(Path dir, Split split) throws IOException {
        Optional<Path> images = find(dir, split, true);
        Optional<Path> labels = find(dir, split, false);
        if (images.isEmpty() || labels.isEmpty()) {
            String prefix = prefix(split);
            throw new DatasetException(dir + ": no " + split.name().toLowerCase(Locale.ROOT) + " split: expected "
                    + prefix + "-images-idx3-ubyte[.gz] and " + prefix + "-labels-idx1-ubyte[.gz], found "
                    + (images.isEmpty() ? "no image file" : images.get().getFileName().toString()) + " and "
                    + (labels.isEmpty() ? "no label file" : labels.get().getFileName().toString()));
        }
        String name = datasetName(dir);
        return open(images.get(), labels.get(), name + " " + split.name().toLowerCase(Locale.ROOT));
    }

    /**
     * Whether a directory holds at least one IDX image file of either split (for auto-detection).
     *
     * @param dir the directory
     * @return true if {@code train-images-idx3-ubyte[.gz]} or {@code t10k-images-idx3-ubyte[.gz]} exists
     */
    static boolean present(Path dir) {
        return find(dir, Split.TRAIN, true).isPresent() || find(dir, Split.TEST, true).isPresent();
    }

    private static String prefix(Split split) {
        return split == Split.TRAIN ? "train" : "t10k";
    }

    private static Optional<Path> find(Path dir, Split split, boolean images) {
        String p = prefix(split);
        String kind = images ? "images" : "labels";
        String idx = images ? "idx3-ubyte" : "idx1-ubyte";
        for (String name : List.of(p + "-" + kind + "-" + idx, p + "-" + kind + "-" + idx + ".gz",
                p + "-" + kind + "." + idx, p + "-" + kind + "." + idx + ".gz")) {
            Path f = dir.resolve(name);
            if (Files.isRegularFile(f)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    private static String datasetName(Path dir) {
        Path fileName = dir.toAbsolutePath().normalize().getFileName();
        String d = fileName == null ? "" : fileName.toString().toLowerCase(Locale.ROOT);
        String name = d.contains("fashion") ? "Fashion-MNIST" : d.contains("mnist") ? "MNIST" : "IDX dataset";
        return d.contains("subset") ? name + " subset" : name;
    }

    private static IdxDataset open(Path imagesFile, Path labelsFile, String name) throws IOException {
        Objects.requireNonNull(imagesFile, "images");
        Objects.requireNonNull(labelsFile, "labels");
        int n;
        int h;
        int w;
        byte[] pixels;
        try (CountingStream in = CountingStream.open(imagesFile)) {
            int[] header = in.header(IMAGES_HEADER_BYTES / 4, IMAGES_MAGIC,
                    "unsigned-byte IDX with 3 dimensions: images");
            n = header[1];
            h = header[2];
            w = header[3];
            in.checkNonNegative(n, 4, "image count");
            in.checkPositive(h, 8, "row count");
            in.checkPositive(w, 12, "column count");
            long need;
            try {
                need = Math.multiplyExact(Math.multiplyExact((long) n, h), w);
            } catch (ArithmeticException e) {
                need = -1; // beyond 2^63: a plain product would wrap to any value, negative ones included
            }
            if (need < 0 || need > Integer.MAX_VALUE - 8) {
                throw new DatasetException(imagesFile + ": " + n + " images of " + h + "x" + w + " ("
                        + (need < 0 ? "more than 2^63" : need)
                        + " bytes) exceed the 2 GiB a single in-memory array can hold");
            }
            pixels = in.body((int) need, n + " images of " + h + "x" + w, IMAGES_HEADER_BYTES);
        }
        byte[] labels;
        try (CountingStream in = CountingStream.open(labelsFile)) {
            int[] header = in.header(LABELS_HEADER_BYTES / 4, LABELS_MAGIC,
                    "unsigned-byte IDX with 1 dimension: labels");
            int m = header[1];
            in.checkNonNegative(m, 4, "label count");
            if (m != n) {
                throw new DatasetException(labelsFile + ": " + m + " labels (count at byte 4) but " + imagesFile
                        + " has " + n + " images; hint: the image and label files must come from the same split");
            }
            labels = in.body(m, m + " labels", LABELS_HEADER_BYTES);
        }
        if (n == 0) {
            throw new DatasetException(imagesFile + ": holds no images (count 0 at byte 4)");
        }
        Path dir = imagesFile.toAbsolutePath().getParent();
        String description = String.format(Locale.ROOT, "%s (IDX, %d images %dx%dx1, {classes} classes) from %s",
                name, n, h, w, dir == null ? imagesFile : dir);
        return new IdxDataset(pixels, labels, n, h, w, description);
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public Image image(int index) {
        Objects.checkIndex(index, count);
        int len = rows * cols;
        return new Image(1, rows, cols, Arrays.copyOfRange(images, index * len, (index + 1) * len));
    }

    @Override
    public int label(int index) {
        Objects.checkIndex(index, count);
        return labels[index] & 0xFF;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int channels() {
        return 1;
    }

    /**
     * Rows of every image.
     *
     * @return H
     */
    public int height() {
        return rows;
    }

    /**
     * Columns of every image.
     *
     * @return W
     */
    public int width() {
        return cols;
    }

    @Override
    public String description() {
        return description;
    }

    /** The uncompressed content of a file, counting bytes so errors can name the offset. */
    private static final class CountingStream implements AutoCloseable {
        private final Path file;
        private final InputStream in;
        private final boolean gzip;
        private long offset;
        private String endDetail = "";
        private Throwable endCause;

        private CountingStream(Path file, InputStream in, boolean gzip) {
            this.file = file;
            this.in = in;
            this.gzip = gzip;
        }

        static CountingStream open(Path file) throws IOException {
            InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            boolean gzip = b0 == 0x1f && b1 == 0x8b;
            try {
                return new CountingStream(file, gzip ? new GZIPInputStream(raw, 1 << 16) : raw, gzip);
            } catch (IOException e) {
                raw.close();
                throw new DatasetException(file + ": corrupt gzip header: " + e.getMessage(), e);
            }
        }

        /** Reads the header as big-endian u32 words, checking the magic number before the rest. */
        int[] header(int words, int magic, String what) throws IOException {
            int[] out = new int[words];
            for (int i = 0; i < words; i++) {
                byte[] b = read(4);
                if (b.length < 4) {
                    throw new DatasetException(
                            file + ": truncated at byte " + offset + " of the uncompressed data: the "
                                    + "header needs " + words * 4 + " bytes" + endDetail,
                            endCause);
                }
                out[i] = ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
                if (i == 0 && out[0] != magic) {
                    String hint = out[0] == (magic == IMAGES_MAGIC ? LABELS_MAGIC : IMAGES_MAGIC)
                            ? "; hint: this looks like " + (magic == IMAGES_MAGIC ? "a label" : "an image")
                                    + " file; were the images and labels swapped?"
                            : "";
                    throw new DatasetException(String.format(Locale.ROOT,
                            "%s: bad magic number 0x%08x at byte 0: expected 0x%08x (%s)%s", file, out[0], magic, what,
                            hint));
                }
            }
            return out;
        }

        void checkNonNegative(int value, int at, String what) throws DatasetException {
            if (value < 0) {
                throw new DatasetException(file + ": " + what + " " + Integer.toUnsignedString(value) + " at byte " + at
                        + " is too large");
            }
        }

        void checkPositive(int value, int at, String what) throws DatasetException {
            if (value <= 0) {
                throw new DatasetException(file + ": " + what + " " + Integer.toUnsignedString(value) + " at byte " + at
                        + " must be between 1 and 2^31-1");
            }
        }

        /** Reads exactly need bytes, then checks that the stream ends. */
        byte[] body(int need, String what, int headerBytes) throws IOException {
            byte[] data = read(need);
            if (data.length < need) {
                throw new DatasetException(file + ": truncated at byte " + offset + " of the uncompressed data: " + what
                        + " need " + need + " bytes after the " + headerBytes + "-byte header" + endDetail, endCause);
            }
            int extra;
            try {
                // for gzip this also reads the trailer, so a CRC mismatch is caught here
                extra = in.read();
            } catch (EOFException e) {
                throw new DatasetException(
                        file + ": truncated at byte " + offset + " of the uncompressed data: the data"
                                + " is complete but the gzip trailer is missing (" + e.getMessage() + ")",
                        e);
            } catch (ZipException e) {
                throw new DatasetException(
                        file + ": corrupt gzip data at byte " + offset + " of the uncompressed data: "
                                + e.getMessage(),
                        e);
            }
            if (extra != -1) {
                throw new DatasetException(file + ": unexpected data at byte " + offset + " of the uncompressed data: "
                        + what + " need exactly " + need + " bytes after the " + headerBytes
                        + "-byte header, but the file is longer");
            }
            return data;
        }

        /**
         * Reads up to n bytes. The buffer grows with the data that actually arrives (doubling from
         * 64 KiB), so a header that claims gigabytes costs only what the file holds before the
         * truncation is reported.
         */
        private byte[] read(int n) throws IOException {
            byte[] buf = new byte[Math.min(n, INITIAL_READ_BYTES)];
            int got = 0;
            try {
                while (got < n) {
                    if (got == buf.length) {
                        buf = Arrays.copyOf(buf, (int) Math.min(n, 2L * buf.length));
                    }
                    int r = in.read(buf, got, buf.length - got);
                    if (r < 0) {
                        break;
                    }
                    got += r;
                    offset += r;
                }
            } catch (EOFException e) {
                endDetail = " (the gzip stream ends early: " + e.getMessage() + ")";
                endCause = e;
            } catch (ZipException e) {
                throw new DatasetException(file + ": corrupt " + (gzip ? "gzip " : "") + "data at byte " + offset
                        + " of the uncompressed data: " + e.getMessage(), e);
            }
            return got == buf.length ? buf : Arrays.copyOf(buf, got);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
