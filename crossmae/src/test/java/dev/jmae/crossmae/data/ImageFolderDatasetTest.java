package dev.jmae.crossmae.data;

import dev.jmae.tensor.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ImageFolder layout, decoding like PIL's convert, and broken files reported and skipped. */
class ImageFolderDatasetTest {

    static BufferedImage rgbImage(int w, int h, long seed) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt() & 0xFFFFFF);
            }
        }
        return img;
    }

    static BufferedImage grayImage(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, (x * 37 + y * 11) & 0xFF);
            }
        }
        return img;
    }

    static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "no ImageIO writer for " + format);
        return out.toByteArray();
    }

    /**
     * root/cat: a.png (gray 12x10), b.JPG (RGB 16x12), sub/c.jpg, notes.txt (ignored);
     * root/dog: broken.jpg (garbage), cut.jpg (truncated JPEG), d.png (RGB 9x7), e.bmp (RGB 8x8);
     * root/.hidden/x.png (ignored).
     */
    static Path folder(Path root) throws IOException {
        Fixtures.write(root.resolve("cat/a.png"), encode(grayImage(12, 10), "png"));
        Fixtures.write(root.resolve("cat/b.JPG"), encode(rgbImage(16, 12, 1), "jpg"));
        Fixtures.write(root.resolve("cat/sub/c.jpg"), encode(rgbImage(20, 14, 2), "jpg"));
        Fixtures.write(root.resolve("cat/notes.txt"), "not an image".getBytes());
        Fixtures.write(root.resolve("dog/broken.jpg"), "these bytes are not a JPEG at all".getBytes());
        byte[] jpeg = encode(rgbImage(64, 48, 3), "jpg");
        Fixtures.write(root.resolve("dog/cut.jpg"), Arrays.copyOf(jpeg, jpeg.length * 6 / 10));
        Fixtures.write(root.resolve("dog/d.png"), encode(rgbImage(9, 7, 4), "png"));
        Fixtures.write(root.resolve("dog/e.bmp"), encode(rgbImage(8, 8, 5), "bmp"));
        Fixtures.write(root.resolve(".hidden/x.png"), encode(rgbImage(4, 4, 6), "png"));
        return root;
    }

    @Test
    void classesAndFilesAreSortedLikeTorchvision(@TempDir Path dir) throws IOException {
        ImageFolderDataset ds = ImageFolderDataset.open(folder(dir));
        assertEquals(List.of("cat", "dog"), ds.classes());
        List<String> names = new ArrayList<>();
        for (int i = 0; i < ds.size(); i++) {
            names.add(dir.relativize(ds.file(i)).toString() + ":" + ds.label(i));
        }
        assertEquals(List.of("cat/a.png:0", "cat/b.JPG:0", "cat/sub/c.jpg:0", "dog/broken.jpg:1", "dog/cut.jpg:1",
                "dog/d.png:1", "dog/e.bmp:1"), names);
        assertEquals(3, ds.channels());
        assertEquals(2, ds.numClasses());
    }

    @Test
    void losslessImagesDecodeToTheirStoredValues(@TempDir Path dir) throws IOException {
        ImageFolderDataset rgb = ImageFolderDataset.open(folder(dir));
        BufferedImage d = rgbImage(9, 7, 4);
        Image png = rgb.image(5);
        assertEquals(new Image(3, 7, 9, png.pixels()), png);
        for (int y = 0; y < 7; y++) {
            for (int x = 0; x < 9; x++) {
                int argb = d.getRGB(x, y);
                assertEquals((argb >> 16) & 0xFF, png.get(0, y, x));
                assertEquals((argb >> 8) & 0xFF, png.get(1, y, x));
                assertEquals(argb & 0xFF, png.get(2, y, x));
            }
        }
        BufferedImage e = rgbImage(8, 8, 5);
        assertEquals(e.getRGB(3, 5) & 0xFF, rgb.image(6).get(2, 5, 3));
        // gray PNG: stored values in all three channels (no gamma conversion as Java's getRGB would do)
        Image gray3 = rgb.image(0);
        assertEquals((4 * 37 + 3 * 11) & 0xFF, gray3.get(0, 3, 4));
        assertEquals(gray3.get(0, 3, 4), gray3.get(2, 3, 4));
        ImageFolderDataset gray = new ImageFolderDataset(dir, 1);
        assertEquals((4 * 37 + 3 * 11) & 0xFF, gray.image(0).get(0, 3, 4));
        int argb = d.getRGB(2, 1);
        int luma = (((argb >> 16) & 0xFF) * 19595 + ((argb >> 8) & 0xFF) * 38470 + (argb & 0xFF) * 7471 + 0x8000) >> 16;
        assertEquals(luma, gray.image(5).get(0, 1, 2));
        assertEquals(1, gray.channels());
    }

    @Test
    void brokenFilesThrowNamingTheFileAndAreListedByValidate(@TempDir Path dir) throws IOException {
        ImageFolderDataset ds = ImageFolderDataset.open(folder(dir));
        DatasetException garbage = assertThrows(DatasetException.class, () -> ds.image(3));
        assertTrue(garbage.getMessage().contains("broken.jpg: cannot decode image: not a recognized image format"),
                garbage.getMessage());
        DatasetException cut = assertThrows(DatasetException.class, () -> ds.image(4));
        assertTrue(
                cut.getMessage().contains("cut.jpg: cannot decode image: ") && cut.getMessage().contains("truncated"),
                cut.getMessage());
        List<ImageFolderDataset.BrokenImage> broken = ds.validate();
        assertEquals(List.of(3, 4), broken.stream().map(ImageFolderDataset.BrokenImage::index).toList());
        assertEquals(dir.resolve("dog/cut.jpg"), broken.get(1).file());
    }

    @Test
    void loaderSkipsBrokenImagesWithOneWarningEachAndNeverEmitsZeros(@TempDir Path dir) throws IOException {
        ImageFolderDataset ds = ImageFolderDataset.open(folder(dir));
        Transform resize = new Resize(8, 8);
        double[] mean = {0.5, 0.5, 0.5};
        double[] std = {0.25, 0.25, 0.25};
        List<List<float[]>> runs = new ArrayList<>();
        for (int workers : new int[] {0, 2}) {
            List<String> warnings = Collections.synchronizedList(new ArrayList<>());
            List<float[]> images = new ArrayList<>();
            try (DataLoader loader = new DataLoader(ds, resize, mean, std, 7, false, false, 1, workers, 2,
                    Device.CPU, warnings::add)) {
                for (int epoch = 0; epoch < 2; epoch++) {
                    Iterator<Batch> it = loader.epoch(epoch, 0);
                    Batch b = it.next();
                    assertFalse(it.hasNext());
                    // order 0..6 unshuffled: positions 3 and 4 are broken and take the next loadable index, 5
                    assertArrayEquals(new int[] {0, 1, 2, 5, 5, 5, 6}, b.indices());
                    assertArrayEquals(new float[] {0, 0, 0, 1, 1, 1, 1}, b.labels().toArray());
                    float[] x = b.images().toArray();
                    int len = 3 * 8 * 8;
                    for (int s = 0; s < 7; s++) {
                        float[] expected = new float[len];
                        new Normalize(mean, std).toTensorNormalized(resize.apply(ds.image(b.indices()[s]), null),
                                expected, 0);
                        assertArrayEquals(expected, Arrays.copyOfRange(x, s * len, (s + 1) * len), "sample " + s);
                        float zero = (0f - 0.5f) / 0.25f;
                        boolean allZero = true;
                        for (int i = s * len; i < (s + 1) * len; i++) {
                            allZero &= x[i] == zero;
                        }
                        assertFalse(allZero, "sample " + s + " is an all-zero image");
                    }
                    images.add(x);
                }
            }
            assertEquals(2, warnings.size(), "one warning per broken file over two epochs: " + warnings);
            assertTrue(warnings.stream().anyMatch(w -> w.contains("broken.jpg")), warnings.toString());
            assertTrue(warnings.stream().anyMatch(w -> w.contains("cut.jpg")), warnings.toString());
            runs.add(images);
        }
        assertArrayEquals(runs.get(0).get(0), runs.get(1).get(0));
    }

    @Test
    void emptyClassFolderAndMissingRootAreErrors(@TempDir Path dir) throws IOException {
        Fixtures.write(dir.resolve("a/x.png"), encode(rgbImage(4, 4, 7), "png"));
        Files.createDirectories(dir.resolve("b"));
        DatasetException e = assertThrows(DatasetException.class, () -> ImageFolderDataset.open(dir));
        assertTrue(e.getMessage().contains("class folder holds no images"), e.getMessage());
        assertThrows(DatasetException.class, () -> ImageFolderDataset.open(dir.resolve("nope")));
        assertThrows(IllegalArgumentException.class, () -> new ImageFolderDataset(dir, 2));
    }
}
