package dev.jmae.crossmae.data;

import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Transform semantics against torchvision's definitions (worked by hand where stated). */
class TransformsTest {

    static Image random(Generator g, int c, int h, int w) {
        byte[] px = new byte[c * h * w];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) g.nextInt(256);
        }
        return new Image(c, h, w, px);
    }

    /** An image whose pixel value encodes its position: (y * W + x) mod 256, all channels alike. */
    static Image ramp(int c, int h, int w) {
        byte[] px = new byte[c * h * w];
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < h * w; i++) {
                px[ch * h * w + i] = (byte) (i + 7 * ch);
            }
        }
        return new Image(c, h, w, px);
    }

    @Test
    void randomResizedCropBoxesStayInsideTheImage() {
        RandomResizedCrop rrc = new RandomResizedCrop(32, 0.2, 1.0, 3.0 / 4, 4.0 / 3);
        Generator g = new Generator(1);
        int[][] sizes = {{28, 28}, {1, 1}, {2, 3}, {37, 23}, {23, 37}, {224, 224}, {5, 400}, {375, 500}};
        int seen = 0;
        for (int[] s : sizes) {
            for (int t = 0; t < 2000; t++) {
                RandomResizedCrop.Params p = rrc.getParams(s[0], s[1], g);
                assertTrue(p.height() >= 1 && p.width() >= 1 && p.top() >= 0 && p.left() >= 0
                        && p.top() + p.height() <= s[0] && p.left() + p.width() <= s[1],
                        p + " outside " + s[0] + "x" + s[1]);
                seen++;
            }
        }
        assertEquals(sizes.length * 2000, seen);
    }

    @Test
    void randomResizedCropAreaAndAspectFollowTheRanges() {
        // on a large image every attempt succeeds at once, so w*h/area must lie in the scale range
        // and w/h in the ratio range, up to the rounding of w and h to integers
        RandomResizedCrop rrc = new RandomResizedCrop(16, 0.2, 1.0, 3.0 / 4, 4.0 / 3);
        Generator g = new Generator(2);
        double minArea = 1;
        double maxArea = 0;
        for (int t = 0; t < 5000; t++) {
            RandomResizedCrop.Params p = rrc.getParams(1000, 1000, g);
            double area = p.height() * (double) p.width() / 1e6;
            double ratio = (double) p.width() / p.height();
            minArea = Math.min(minArea, area);
            maxArea = Math.max(maxArea, area);
            assertTrue(area > 0.2 - 0.003 && area < 1.0 + 0.003, "area " + area);
            assertTrue(ratio > 0.75 - 0.003 && ratio < 4.0 / 3 + 0.003, "ratio " + ratio);
        }
        assertTrue(minArea < 0.25 && maxArea > 0.9, "areas should cover the range, got " + minArea + ".." + maxArea);
    }

    @Test
    void randomResizedCropFallsBackToAClampedCenterCrop() {
        RandomResizedCrop rrc = new RandomResizedCrop(8, 0.2, 1.0, 3.0 / 4, 4.0 / 3);
        // a 1x100 strip: every attempt needs h >= 4 > 1, so the fallback runs: W/H = 100 > 4/3
        // gives h = H = 1, w = round(1 * 4/3) = 1, top = 0, left = (100 - 1) / 2 = 49
        assertEquals(new RandomResizedCrop.Params(0, 49, 1, 1), rrc.getParams(1, 100, new Generator(3)));
        // a 100x10 strip (H=100): W/H = 0.1 < 3/4, so w = 10 and h = round(10 / 0.75) = 13, top = 87 / 2 = 43;
        // attempts cannot succeed because w = sqrt(area * aspect) >= sqrt(200 * 0.75) > 10
        assertEquals(new RandomResizedCrop.Params(43, 0, 13, 10), rrc.getParams(100, 10, new Generator(4)));
        // a scale range above 1 makes every attempt fail; a square image is inside the ratio range -> whole image
        RandomResizedCrop tooBig = new RandomResizedCrop(8, 4.0, 5.0, 0.9, 1.1);
        assertEquals(new RandomResizedCrop.Params(0, 0, 28, 28), tooBig.getParams(28, 28, new Generator(5)));
        Image out = tooBig.apply(ramp(1, 28, 28), new Generator(5));
        assertEquals(Resample.bicubic(ramp(1, 28, 28), 8, 8), out);
    }

    @Test
    void randomResizedCropIsTheCropOfItsParamsResized() {
        RandomResizedCrop rrc = new RandomResizedCrop(20, 0.2, 1.0, 3.0 / 4, 4.0 / 3);
        Image in = random(new Generator(6), 3, 37, 23);
        for (int seed = 0; seed < 20; seed++) {
            RandomResizedCrop.Params p = rrc.getParams(37, 23, new Generator(seed));
            Image expected = Resample.bicubic(in.crop(p.top(), p.left(), p.height(), p.width()), 20, 20);
            assertEquals(expected, rrc.apply(in, new Generator(seed)));
        }
    }

    @Test
    void resizeFollowsTorchvisionOutputSizes() {
        Resize r = new Resize(16);
        assertArrayEquals(new int[] {22, 16}, r.outputSize(28, 20)); // int(16 * 28 / 20) = int(22.4)
        assertArrayEquals(new int[] {16, 22}, r.outputSize(20, 28));
        assertArrayEquals(new int[] {16, 16}, r.outputSize(7, 7));
        assertArrayEquals(new int[] {16, 21}, r.outputSize(3, 4)); // int(16 * 4 / 3) = int(21.33)
        assertArrayEquals(new int[] {5, 9}, new Resize(5, 9).outputSize(100, 3));
        Image in = random(new Generator(7), 1, 16, 30);
        assertSame(in, r.apply(in, new Generator(0)), "already short side 16: unchanged");
    }

    @Test
    void centerCropRoundsHalfToEvenLikePython() {
        Image in = ramp(1, 10, 9);
        // H - h = 5: round(2.5) = 2 (half to even); W - w = 3: round(1.5) = 2
        Image out = new CenterCrop(5, 6).apply(in, new Generator(0));
        assertEquals(in.get(0, 2, 2), out.get(0, 0, 0));
        // H - h = 7: round(3.5) = 4
        assertEquals(in.get(0, 4, 0), new CenterCrop(3, 9).apply(in, new Generator(0)).get(0, 0, 0));
    }

    @Test
    void centerCropPadsWithZerosWhenLargerThanTheImage() {
        Image in = ramp(1, 2, 3);
        Image out = new CenterCrop(5, 4).apply(in, new Generator(0));
        // pad top (5-2)/2 = 1, bottom 2; left (4-3)/2 = 0, right 1
        assertEquals(5, out.height());
        assertEquals(4, out.width());
        assertEquals(0, out.get(0, 0, 0));
        assertEquals(in.get(0, 0, 0), out.get(0, 1, 0));
        assertEquals(in.get(0, 1, 2), out.get(0, 2, 2));
        assertEquals(0, out.get(0, 2, 3));
        assertEquals(0, out.get(0, 4, 1));
    }

    @Test
    void horizontalFlipMirrorsColumnsWithProbabilityP() {
        Image in = ramp(3, 4, 5);
        Image flipped = RandomHorizontalFlip.hflip(in);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 5; x++) {
                    assertEquals(in.get(c, y, 4 - x), flipped.get(c, y, x));
                }
            }
        }
        assertEquals(in, RandomHorizontalFlip.hflip(flipped));
        assertEquals(flipped, new RandomHorizontalFlip(1.0).apply(in, new Generator(1)));
        assertSame(in, new RandomHorizontalFlip(0.0).apply(in, new Generator(1)));
        int flips = 0;
        Generator g = new Generator(8);
        RandomHorizontalFlip half = new RandomHorizontalFlip(0.5);
        for (int t = 0; t < 4000; t++) {
            if (half.apply(in, g) != in) {
                flips++;
            }
        }
        // binomial(4000, 0.5): sd ~ 32, so 5 sd is +-160
        assertTrue(Math.abs(flips - 2000) < 160, "flips " + flips);
    }

    @Test
    void toTensorAndNormalizeComputeInFloat32LikeTorchvision() {
        Image in = new Image(2, 1, 3, new byte[] {0, (byte) 128, (byte) 255, 10, 20, 30});
        Tensor t = new ToTensor().apply(in, dev.jmae.tensor.Device.CPU);
        assertArrayEquals(new int[] {2, 1, 3}, t.shape());
        assertArrayEquals(new float[] {0f, 128 / 255f, 1f, 10 / 255f, 20 / 255f, 30 / 255f}, t.toArray());
        Normalize n = new Normalize(new double[] {0.5, 0.25}, new double[] {0.5, 2.0});
        float[] expected = {(0f - 0.5f) / 0.5f, (128 / 255f - 0.5f) / 0.5f, (1f - 0.5f) / 0.5f,
            (10 / 255f - 0.25f) / 2f, (20 / 255f - 0.25f) / 2f, (30 / 255f - 0.25f) / 2f};
        assertArrayEquals(expected, n.apply(t).toArray());
        float[] fused = new float[7];
        n.toTensorNormalized(in, fused, 1);
        for (int i = 0; i < 6; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(fused[i + 1]), "element " + i);
        }
        Tensor batch = n.apply(Tensor.of(new float[] {0, 1, 0, 1}, 2, 2, 1, 1));
        assertArrayEquals(new float[] {-1, 0.375f, -1, 0.375f}, batch.toArray());
        assertThrows(IllegalArgumentException.class, () -> n.apply(Tensor.zeros(3, 2, 2)));
        assertThrows(IllegalArgumentException.class, () -> new Normalize(new double[] {0.5}, new double[] {0}));
    }

    @Test
    void pretrainPipelineIsCropFlipToTensorNormalize() {
        Compose p = Transforms.pretrain(16, new double[] {0.2, 1.0}, new double[] {0.75, 4.0 / 3}, 0.5,
                new double[] {0.5}, new double[] {0.5});
        assertEquals(2, p.transforms().size());
        assertTrue(p.transforms().get(0) instanceof RandomResizedCrop);
        assertTrue(p.transforms().get(1) instanceof RandomHorizontalFlip);
        assertTrue(p.normalize().isPresent());
        Image in = random(new Generator(9), 1, 28, 28);
        // by hand: the crop draws first, then the flip, from the same generator
        Generator g = new Generator(10);
        Image expected = new RandomHorizontalFlip(0.5).apply(
                new RandomResizedCrop(16, 0.2, 1.0, 0.75, 4.0 / 3).apply(in, g), g);
        assertEquals(expected, p.apply(in, new Generator(10)));
        Tensor t = p.tensor(in, new Generator(10), dev.jmae.tensor.Device.CPU);
        assertArrayEquals(new int[] {1, 16, 16}, t.shape());
        assertEquals(((expected.get(0, 3, 4) / 255f) - 0.5f) / 0.5f, t.get(0, 3, 4));
    }

    @Test
    void evalPipelineResizesTheShortSideThenCropsTheCenter() {
        Compose e = Transforms.eval(16, new double[] {0.5}, new double[] {0.5});
        Image in = random(new Generator(11), 3, 40, 24);
        Image expected = new CenterCrop(16).apply(Resample.bicubic(in, 26, 16), null); // int(16 * 40 / 24) = 26
        assertEquals(expected, e.apply(in, new Generator(0)));
        Image square = random(new Generator(12), 1, 16, 16);
        assertSame(square, e.apply(square, new Generator(0)));
        assertEquals(List.of(Resize.class, CenterCrop.class), e.transforms().stream().map(Object::getClass).toList());
    }

    @Test
    void convertChannelsUsesPilLuma() {
        Image rgb = new Image(3, 1, 5, new byte[] {10, (byte) 255, 0, 1, (byte) 128, (byte) 200, (byte) 255, 0, 1,
            127, 30, (byte) 255, 1, 0, (byte) 128});
        // PIL 9.4: Image.fromarray([[[10,200,30],[255,255,255],[0,0,1],[1,1,0],[128,127,128]]]).convert("L")
        // gives [124, 255, 0, 1, 127]
        Image gray = new ConvertChannels(1).apply(rgb, null);
        assertArrayEquals(new byte[] {124, (byte) 255, 0, 1, 127}, gray.pixels());
        Image back = new ConvertChannels(3).apply(gray, null);
        assertEquals(3, back.channels());
        assertEquals(124, back.get(2, 0, 0));
        assertNotEquals(rgb, back);
    }

    @Test
    void cropFillsOutsideWithZeros() {
        Image in = ramp(1, 3, 3);
        Image c = in.crop(-1, 2, 3, 2);
        assertArrayEquals(new byte[] {0, 0, in.pixels()[2], 0, in.pixels()[5], 0}, c.pixels());
        assertSame(in, in.crop(0, 0, 3, 3));
    }
}
