package dev.jmae.crossmae.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Shared helpers: the repository's committed subset, and writers of small IDX files. */
public final class Fixtures {

    private Fixtures() {
    }

    /** The repository root: the nearest ancestor of the working directory holding data/fashion-mnist-subset. */
    public static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isDirectory(p.resolve(Datasets.SUBSET_DIR))) {
                return p;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("no " + Datasets.SUBSET_DIR + " above " + Path.of("").toAbsolutePath());
    }

    public static Path subset() {
        return repoRoot().resolve(Datasets.SUBSET_DIR);
    }

    /** An IDX image file's bytes: magic 0x803, n, h, w, then the pixels. */
    public static byte[] idxImages(int n, int h, int w, byte[] pixels) {
        ByteBuffer b = ByteBuffer.allocate(16 + pixels.length);
        b.putInt(IdxDataset.IMAGES_MAGIC).putInt(n).putInt(h).putInt(w).put(pixels);
        return b.array();
    }

    /** An IDX label file's bytes: magic 0x801, n, then the labels. */
    public static byte[] idxLabels(int n, byte[] labels) {
        ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
        b.putInt(IdxDataset.LABELS_MAGIC).putInt(n).put(labels);
        return b.array();
    }

    public static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bo)) {
            out.write(data);
        }
        return bo.toByteArray();
    }

    public static Path write(Path file, byte[] data) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, data);
    }
}
