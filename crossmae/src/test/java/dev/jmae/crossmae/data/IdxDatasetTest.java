package dev.jmae.crossmae.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IDX reading: the committed subset, gzip detection and every validation failure. */
class IdxDatasetTest {

    private static final Path SYSTEM = Datasets.SYSTEM_FASHION_MNIST;

    @Test
    void committedSubsetHasBalancedClassesAndTheScriptsKnownValues() throws IOException {
        IdxDataset train = IdxDataset.split(Fixtures.subset(), Split.TRAIN);
        IdxDataset test = IdxDataset.split(Fixtures.subset(), Split.TEST);
        assertEquals(10_000, train.size());
        assertEquals(2_000, test.size());
        assertEquals(10, train.numClasses());
        assertEquals(1, train.channels());
        assertEquals(28, train.height());
        assertEquals(28, train.width());
        int[] perClass = new int[10];
        for (int i = 0; i < train.size(); i++) {
            perClass[train.label(i)]++;
        }
        int[] perClassTest = new int[10];
        for (int i = 0; i < test.size(); i++) {
            perClassTest[test.label(i)]++;
        }
        int[] thousand = new int[10];
        int[] twoHundred = new int[10];
        Arrays.fill(thousand, 1000);
        Arrays.fill(twoHundred, 200);
        assertArrayEquals(thousand, perClass);
        assertArrayEquals(twoHundred, perClassTest);
        // values printed by tools/make_fashion_subset.py and recorded in data/fashion-mnist-subset/README.md
        assertEquals(0, train.label(1));
        assertEquals(204, train.image(1).get(0, 14, 14));
        assertEquals(573133949L, pixelSum(train));
        assertEquals(114072606L, pixelSum(test));
        assertTrue(
                train.description()
                        .startsWith("Fashion-MNIST subset train (IDX, 10000 images 28x28x1, 10 classes) from "),
                train.description());
    }

    @Test
    void committedSubsetIsTheFirstImagesOfEachClassOfTheInstalledDataset() throws IOException {
        if (!Files.isDirectory(SYSTEM)) {
            System.out.println("skipped the comparison with " + SYSTEM + ": not installed (dataset-fashion-mnist)");
            return;
        }
        for (Split split : Split.values()) {
            IdxDataset full = IdxDataset.split(SYSTEM, split);
            IdxDataset sub = IdxDataset.split(Fixtures.subset(), split);
            int perClass = split == Split.TRAIN ? 1000 : 200;
            int[] counts = new int[10];
            int k = 0;
            for (int i = 0; i < full.size() && k < sub.size(); i++) {
                int y = full.label(i);
                if (counts[y] < perClass) {
                    counts[y]++;
                    assertEquals(y, sub.label(k), split + " subset " + k);
                    assertEquals(full.image(i), sub.image(k), split + " subset " + k + " = original " + i);
                    k++;
                }
            }
            assertEquals(sub.size(), k);
        }
    }

    @Test
    void gzipAndPlainFilesGiveIdenticalDatasets(@TempDir Path dir) throws IOException {
        for (String name : new String[] {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(Fixtures.subset().resolve(name + ".gz")))) {
                // a plain file whose name says .gz: detection must go by the magic bytes
                Files.write(dir.resolve(name + ".gz"), in.readAllBytes());
            }
        }
        IdxDataset gz = IdxDataset.split(Fixtures.subset(), Split.TEST);
        IdxDataset plain = IdxDataset.split(dir, Split.TEST);
        assertEquals(gz.size(), plain.size());
        for (int i = 0; i < gz.size(); i += 7) {
            assertEquals(gz.image(i), plain.image(i));
            assertEquals(gz.label(i), plain.label(i));
        }
        assertEquals(gz.image(gz.size() - 1), plain.image(plain.size() - 1));
    }

    private static long pixelSum(IdxDataset ds) {
        long s = 0;
        for (int i = 0; i < ds.size(); i++) {
            for (byte b : ds.image(i).pixels()) {
                s += b & 0xFF;
            }
        }
        return s;
    }

    private static Path[] tiny(Path dir, boolean gzip) throws IOException {
        byte[] px = new byte[5 * 3 * 4];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 3);
        }
        byte[] img = Fixtures.idxImages(5, 3, 4, px);
        byte[] lab = Fixtures.idxLabels(5, new byte[] {0, 1, 2, 1, 0});
        String ext = gzip ? ".gz" : "";
        return new Path[] {
            Fixtures.write(dir.resolve("train-images-idx3-ubyte" + ext), gzip ? Fixtures.gzip(img) : img),
            Fixtures.write(dir.resolve("train-labels-idx1-ubyte" + ext), gzip ? Fixtures.gzip(lab) : lab)};
    }

    @Test
    void tinyFileReadsBackPixelsAndLabels(@TempDir Path dir) throws IOException {
        tiny(dir, true);
        IdxDataset ds = IdxDataset.split(dir, Split.TRAIN);
        assertEquals(5, ds.size());
        assertEquals(3, ds.numClasses());
        assertEquals(2, ds.label(2));
        assertEquals((byte) (12 * 2 * 3 + 5 * 3), ds.image(2).pixels()[5]);
        assertThrows(IndexOutOfBoundsException.class, () -> ds.image(5));
    }

    @Test
    void badMagicNamesTheFileAndOffset(@TempDir Path dir) throws IOException {
        Path[] f = tiny(dir, false);
        byte[] bytes = Files.readAllBytes(f[0]);
        bytes[2] = 0x09;
        Files.write(f[0], bytes);
        DatasetException e = assertThrows(DatasetException.class, () -> IdxDataset.open(f[0], f[1]));
        assertTrue(
                e.getMessage().contains(
                        "train-images-idx3-ubyte: bad magic number 0x00000903 at byte 0: expected 0x00000803"),
                e.getMessage());
        // images and labels swapped: the hint says so
        DatasetException swapped = assertThrows(DatasetException.class, () -> IdxDataset.open(f[1], f[1]));
        assertTrue(swapped.getMessage().contains("train-labels-idx1-ubyte: bad magic number 0x00000801 at byte 0")
                && swapped.getMessage().contains("hint: this looks like a label file"), swapped.getMessage());
    }

    @Test
    void truncatedDataNamesTheFileAndOffset(@TempDir Path dir) throws IOException {
        for (boolean gzip : new boolean[] {false, true}) {
            Path sub = dir.resolve(gzip ? "gz" : "plain");
            Path[] f = tiny(sub, false);
            byte[] cut = Arrays.copyOf(Files.readAllBytes(f[0]), 16 + 50);
            Files.write(f[0], gzip ? Fixtures.gzip(cut) : cut);
            DatasetException e = assertThrows(DatasetException.class, () -> IdxDataset.open(f[0], f[1]));
            assertTrue(
                    e.getMessage().contains("train-images-idx3-ubyte: truncated at byte 66 of the uncompressed data: "
                            + "5 images of 3x4 need 60 bytes after the 16-byte header"),
                    e.getMessage());
        }
        // a gzip stream cut in the middle: the offset is where the decompressed data stopped
        Path sub = dir.resolve("cutgz");
        Path[] f = tiny(sub, true);
        byte[] gz = Files.readAllBytes(f[0]);
        Files.write(f[0], Arrays.copyOf(gz, gz.length - 12));
        DatasetException e = assertThrows(DatasetException.class, () -> IdxDataset.open(f[0], f[1]));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz: truncated at byte "), e.getMessage());
    }

    @Test
    void trailingBytesAreRejected(@TempDir Path dir) throws IOException {
        Path[] f = tiny(dir, false);
        byte[] bytes = Files.readAllBytes(f[1]);
        Files.write(f[1], Arrays.copyOf(bytes, bytes.length + 3));
        DatasetException e = assertThrows(DatasetException.class, () -> IdxDataset.open(f[0], f[1]));
        assertTrue(e.getMessage().contains("train-labels-idx1-ubyte: unexpected data at byte 13"), e.getMessage());
    }

    @Test
    void labelCountMismatchNamesBothFiles(@TempDir Path dir) throws IOException {
        Path[] f = tiny(dir, true);
        Files.write(f[1], Fixtures.gzip(Fixtures.idxLabels(4, new byte[] {0, 1, 2, 1})));
        DatasetException e = assertThrows(DatasetException.class, () -> IdxDataset.open(f[0], f[1]));
        assertTrue(e.getMessage().contains("train-labels-idx1-ubyte.gz: 4 labels (count at byte 4) but ")
                && e.getMessage().contains("train-images-idx3-ubyte.gz has 5 images"), e.getMessage());
    }

    @Test
    void missingSplitSaysWhatWasLookedFor(@TempDir Path dir) throws IOException {
        tiny(dir, true);
        DatasetException e = assertThrows(DatasetException.class, () -> IdxDataset.split(dir, Split.TEST));
        assertTrue(e.getMessage().contains("expected t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]"),
                e.getMessage());
    }
}
