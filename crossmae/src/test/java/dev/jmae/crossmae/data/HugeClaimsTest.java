package dev.jmae.crossmae.data;

import dev.jmae.tensor.testing.Allocations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files that claim to be huge are refused before anything of the claimed size is allocated
 * (issue 20, bad-input probe item 6). Each case crashed or allocated gigabytes before its fix.
 */
class HugeClaimsTest {

    /** Far more than any refusal needs, far less than what the files claim. */
    private static final long ALLOWED_BYTES = 64L << 20;

    @Test
    void anIdxFileClaimingTwoBillionImagesIsRefusedWithoutAllocatingThem(@TempDir Path dir) throws IOException {
        // 1 KB: the 16-byte header claims 2,147,483,639 images of 1x1, followed by 1008 pixel bytes
        byte[] pixels = new byte[1008];
        Path images = Fixtures.write(dir.resolve("train-images-idx3-ubyte"),
                Fixtures.idxImages(2_147_483_639, 1, 1, pixels));
        Path labels = Fixtures.write(dir.resolve("train-labels-idx1-ubyte"), Fixtures.idxLabels(1, new byte[1]));
        Allocations.Result r = Allocations.measure(() -> IdxDataset.open(images, labels));
        DatasetException e = assertInstanceOf(DatasetException.class, r.thrown());
        assertTrue(e.getMessage().contains("truncated at byte 1024"), e.getMessage());
        assertTrue(r.allocatedBytes() < ALLOWED_BYTES, "allocated " + r.allocatedBytes() + " bytes");
    }

    @Test
    void a30000x30000PngIsRefusedBeforeDecoding(@TempDir Path dir) throws IOException {
        // a valid 1-bit PNG of 900 million pixels, about 110 KB (the probe's second file)
        Path file = dir.resolve("bomb").resolve("huge.png");
        Files.createDirectories(file.getParent());
        Files.write(file, png(30_000, 30_000, 1, true));
        ImageFolderDataset ds = new ImageFolderDataset(dir, 3);
        Allocations.Result r = Allocations.measure(() -> ds.image(0));
        DatasetException e = assertInstanceOf(DatasetException.class, r.thrown());
        assertTrue(e.getMessage().contains("30000x30000 = 900,000,000 pixels, more than the 89,478,485 jmae decodes"),
                e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(r.allocatedBytes() < ALLOWED_BYTES, "allocated " + r.allocatedBytes() + " bytes");
        assertTrue(ds.validate().size() == 1, "validate lists it as broken");
    }

    @Test
    void aHeaderClaimingMorePixelsThanItsFileCanHoldIsRefused(@TempDir Path dir) throws IOException {
        // 9000x9000 is below the pixel limit, but 81 million pixels cannot come from a ~100-byte file
        Path file = dir.resolve("c").resolve("lie.png");
        Files.createDirectories(file.getParent());
        byte[] header = png(9000, 9000, 8, false);
        Files.write(file, header);
        ImageFolderDataset ds = new ImageFolderDataset(dir, 1);
        Allocations.Result r = Allocations.measure(() -> ds.image(0));
        DatasetException e = assertInstanceOf(DatasetException.class, r.thrown());
        assertTrue(e.getMessage().contains("9000x9000 = 81,000,000 pixels, more than a " + header.length
                + "-byte file can hold"), e.getMessage());
        assertTrue(r.allocatedBytes() < ALLOWED_BYTES, "allocated " + r.allocatedBytes() + " bytes");
    }

    /**
     * A gray PNG of zeros.
     *
     * @param withData false to end after IHDR (a header without pixels)
     */
    static byte[] png(int width, int height, int bitDepth, boolean withData) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(out);
        d.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(ihdr);
        h.writeInt(width);
        h.writeInt(height);
        h.write(new byte[] {(byte) bitDepth, 0, 0, 0, 0});
        chunk(d, "IHDR", ihdr.toByteArray());
        if (withData) {
            ByteArrayOutputStream z = new ByteArrayOutputStream();
            try (DeflaterOutputStream def = new DeflaterOutputStream(z, new Deflater(Deflater.BEST_COMPRESSION),
                    1 << 16)) {
                byte[] row = new byte[1 + (int) (((long) width * bitDepth + 7) / 8)];
                for (int y = 0; y < height; y++) {
                    def.write(row);
                }
            }
            chunk(d, "IDAT", z.toByteArray());
            chunk(d, "IEND", new byte[0]);
        }
        return out.toByteArray();
    }

    private static void chunk(DataOutputStream d, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        d.writeInt(data.length);
        d.write(t);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        d.writeInt((int) crc.getValue());
    }
}
