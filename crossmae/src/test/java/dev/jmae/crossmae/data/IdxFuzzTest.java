package dev.jmae.crossmae.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jmae.tensor.testing.FuzzChecks;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Fuzzes the IDX reader (MNIST-style image and label files, plain or gzip). Only
 * {@link DatasetException} may escape, and the allocation stays within 4 MiB + 4128 bytes per
 * input byte (gzip may inflate 1032 times, and buffers double as data arrives). Inputs:
 * {@code IdxFuzzTestInputs/idxFiles/}; long runs: docs/fuzzing.md.
 */
class IdxFuzzTest {

    static {
        FuzzChecks.warmUp(IdxFuzzTest.class, "idxFiles", input -> new IdxFuzzTest().idxFiles(input));
    }

    /**
     * Byte 0: flags (1: gzip the images, 2: gzip the labels, 4: write the images bytes as they are
     * even when flag 1 is set, so corrupt gzip streams are reached); bytes 1-2: the images part's
     * length L (big-endian, clamped); then L bytes of images file, then the labels file.
     */
    @FuzzTest(maxDuration = "2s")
    @Timeout(10)
    void idxFiles(byte[] input) throws Throwable {
        int flags = input.length > 0 ? input[0] : 0;
        int len = input.length > 2 ? ((input[1] & 0xFF) << 8) | (input[2] & 0xFF) : 0;
        int start = Math.min(3, input.length);
        int split = Math.min(input.length, start + len);
        byte[] images = Arrays.copyOfRange(input, start, split);
        byte[] labels = Arrays.copyOfRange(input, split, input.length);
        Path dir = FuzzChecks.scratch();
        Path imagesFile = dir.resolve("images-idx3-ubyte");
        Path labelsFile = dir.resolve("labels-idx1-ubyte");
        Files.write(imagesFile, (flags & 1) != 0 && (flags & 4) == 0 ? Fixtures.gzip(images) : images);
        Files.write(labelsFile, (flags & 2) != 0 ? Fixtures.gzip(labels) : labels);
        FuzzChecks.check(input.length, 4L << 20, 4128,
                () -> DatasetFuzzing.touch(IdxDataset.open(imagesFile, labelsFile)),
                DatasetException.class);
    }
}
