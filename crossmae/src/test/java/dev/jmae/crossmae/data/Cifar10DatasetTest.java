package dev.jmae.crossmae.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CIFAR-10 binary batches: record layout, split files and validation. */
class Cifar10DatasetTest {

    /** Records whose label is (start + r) % 10 and whose pixel p of record r is (r + p) mod 256. */
    static byte[] records(int count, int start) {
        byte[] b = new byte[count * Cifar10Dataset.RECORD_BYTES];
        for (int r = 0; r < count; r++) {
            int off = r * Cifar10Dataset.RECORD_BYTES;
            b[off] = (byte) ((start + r) % 10);
            for (int p = 0; p < 3072; p++) {
                b[off + 1 + p] = (byte) (start + r + p);
            }
        }
        return b;
    }

    static void writeTrain(Path dir) throws IOException {
        for (int i = 1; i <= 5; i++) {
            Fixtures.write(dir.resolve("data_batch_" + i + ".bin"), records(3, 3 * (i - 1)));
        }
    }

    @Test
    void readsRecordsAsRgbPlanesAcrossBatchFiles(@TempDir Path dir) throws IOException {
        writeTrain(dir);
        Fixtures.write(dir.resolve("test_batch.bin"), records(2, 100));
        Cifar10Dataset train = Cifar10Dataset.split(dir, Split.TRAIN);
        assertEquals(15, train.size());
        assertEquals(3, train.channels());
        assertEquals(10, train.numClasses());
        // record 7 = file 3, record 1: label 7, pixel (c, y, x) = 7 + c*1024 + y*32 + x
        assertEquals(7, train.label(7));
        Image img = train.image(7);
        assertEquals(3, img.channels());
        assertEquals((7 + 1024 * 2 + 32 * 5 + 9) & 0xFF, img.get(2, 5, 9));
        assertEquals((7 + 31) & 0xFF, img.get(0, 0, 31));
        Cifar10Dataset test = Cifar10Dataset.split(dir, Split.TEST);
        assertEquals(2, test.size());
        assertEquals(1, test.label(1));
        assertTrue(train.description().startsWith("CIFAR-10 train (binary, 15 images 32x32x3, 10 classes) from "),
                train.description());
    }

    @Test
    void findsTheTarballFolder(@TempDir Path dir) throws IOException {
        writeTrain(dir.resolve(Cifar10Dataset.TARBALL_DIR));
        assertTrue(Cifar10Dataset.present(dir));
        assertEquals(15, Cifar10Dataset.split(dir, Split.TRAIN).size());
    }

    @Test
    void truncatedFileIsRejectedWithNameAndOffset(@TempDir Path dir) throws IOException {
        writeTrain(dir);
        Path f = dir.resolve("data_batch_3.bin");
        Files.write(f, Arrays.copyOf(Files.readAllBytes(f), 2 * 3073 + 100));
        DatasetException e = assertThrows(DatasetException.class, () -> Cifar10Dataset.split(dir, Split.TRAIN));
        assertTrue(e.getMessage().contains("data_batch_3.bin: length 6246 bytes is not a positive multiple of the"
                + " 3073-byte record")
                && e.getMessage().contains("the record starting at byte 6146 is truncated after 100 bytes"),
                e.getMessage());
    }

    @Test
    void badLabelAndMissingBatchAreRejected(@TempDir Path dir) throws IOException {
        writeTrain(dir);
        Path f = dir.resolve("data_batch_2.bin");
        byte[] b = Files.readAllBytes(f);
        b[3073] = 12;
        Files.write(f, b);
        DatasetException e = assertThrows(DatasetException.class, () -> Cifar10Dataset.open(List.of(f)));
        assertTrue(e.getMessage().contains("data_batch_2.bin: label 12 at byte 3073 (record 1)"), e.getMessage());
        Files.delete(dir.resolve("data_batch_5.bin"));
        DatasetException missing = assertThrows(DatasetException.class, () -> Cifar10Dataset.split(dir, Split.TRAIN));
        assertTrue(missing.getMessage().contains("data_batch_5.bin: missing"), missing.getMessage());
    }
}
