package dev.jmae.crossmae.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jmae.tensor.testing.FuzzChecks;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;

/**
 * Fuzzes the decoding of an ImageFolder file (PNG, JPEG, GIF, BMP through javax.imageio and
 * TwelveMonkeys) as {@link ImageFolderDataset#image} does it. Only
 * {@link ImageDecoding.DecodeException} may escape (the dataset turns it into a
 * {@link DatasetException}), and the allocation stays within 16 MiB + 40,000 bytes per input byte
 * (the pixel limits of {@link ImageDecoding#checkSize}). Inputs:
 * {@code ImageFileFuzzTestInputs/imageFile/}; long runs: docs/fuzzing.md.
 */
class ImageFileFuzzTest {

    static {
        FuzzChecks.warmUp(ImageFileFuzzTest.class, "imageFile", input -> new ImageFileFuzzTest().imageFile(input));
    }

    /** Byte 0 selects gray (odd) or RGB (even); the rest is the image file. */
    @FuzzTest(maxDuration = "2s")
    @Timeout(10)
    void imageFile(byte[] input) throws Throwable {
        int channels = input.length > 0 && (input[0] & 1) == 1 ? 1 : 3;
        byte[] file = input.length > 0 ? Arrays.copyOfRange(input, 1, input.length) : input;
        FuzzChecks.check(input.length, 16L << 20, 40_000, () -> {
            Image img = ImageDecoding.decode(file, channels);
            if (img.channels() != channels) {
                throw new AssertionError("asked for " + channels + " channels, got " + img.channels());
            }
        }, ImageDecoding.DecodeException.class);
    }
}
