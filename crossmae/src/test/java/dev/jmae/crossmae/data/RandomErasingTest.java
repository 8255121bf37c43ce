package dev.jmae.crossmae.data;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RandomErasing with timm's semantics: only the erased box changes, the erasing probability holds
 * over many draws (within 5 standard errors), pixel mode draws N(0, 1) values, box sizes stay in
 * timm's area and aspect ranges, and a seed fixes the result.
 */
class RandomErasingTest {

    private static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = 100 + i;
        }
        return v;
    }

    @Test
    void onlyTheBoxChangesAndPixelModeDrawsStandardNormals() {
        RandomErasing re = RandomErasing.of(1.0, "pixel", 1);
        int c = 3;
        int h = 28;
        int w = 24;
        double sum = 0;
        double sumSq = 0;
        long count = 0;
        for (int s = 0; s < 300; s++) {
            float[] before = ramp(c * h * w);
            float[] data = before.clone();
            int[][] boxes = re.applyInPlace(data, 0, c, h, w, new Generator(s));
            assertEquals(1, boxes.length, "probability 1, one box");
            int[] b = boxes[0];
            double areaFraction = b[2] * (double) b[3] / (h * w);
            // h and w are rounded, so the area can stray a little from [0.02, 1/3]
            assertTrue(areaFraction > 0.005 && areaFraction < 0.45, "area fraction " + areaFraction);
            assertTrue(b[2] < h && b[3] < w);
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int i = (ch * h + y) * w + x;
                        boolean inside = y >= b[0] && y < b[0] + b[2] && x >= b[1] && x < b[1] + b[3];
                        if (inside) {
                            // the ramp values are >= 100: an N(0, 1) draw never lands there
                            assertTrue(Math.abs(data[i]) < 10, "erased value " + data[i]);
                            sum += data[i];
                            sumSq += data[i] * (double) data[i];
                            count++;
                        } else {
                            assertEquals(before[i], data[i], 0f, "outside the box nothing changes");
                        }
                    }
                }
            }
        }
        double mean = sum / count;
        double var = sumSq / count - mean * mean;
        assertTrue(count > 10_000, "values drawn: " + count);
        assertEquals(0, mean, 5 / Math.sqrt(count), "pixel values are N(0, 1): mean");
        assertEquals(1, var, 5 * Math.sqrt(2.0 / count), "pixel values are N(0, 1): variance");
    }

    @Test
    void probabilityIsRespected() {
        RandomErasing re = RandomErasing.of(0.25, "pixel", 1);
        int n = 8000;
        int erased = 0;
        for (int s = 0; s < n; s++) {
            float[] data = ramp(1 * 10 * 10);
            erased += re.applyInPlace(data, 0, 1, 10, 10, new Generator(s)).length;
        }
        assertEquals(0.25, erased / (double) n, 5 * Math.sqrt(0.25 * 0.75 / n));
        assertEquals(0,
                RandomErasing.of(0.0, "pixel", 1).applyInPlace(ramp(100), 0, 1, 10, 10, new Generator(1)).length);
    }

    @Test
    void modesSeedsOffsetsAndTensors() {
        float[] a = ramp(2 * 2 * 8 * 8);
        float[] b = a.clone();
        RandomErasing re = RandomErasing.of(1.0, "rand", 1);
        // erase the second image of a two-image buffer: the first must not change
        re.applyInPlace(a, 128, 2, 8, 8, new Generator(5));
        re.applyInPlace(b, 128, 2, 8, 8, new Generator(5));
        assertArrayEquals(a, b, "same seed, same erasing");
        float[] first = ramp(128);
        for (int i = 0; i < 128; i++) {
            assertEquals(first[i], a[i], 0f);
        }
        float[] c = ramp(64);
        int[][] boxes = RandomErasing.of(1.0, "const", 1).applyInPlace(c, 0, 1, 8, 8, new Generator(2));
        int[] box = boxes[0];
        assertEquals(0f, c[box[0] * 8 + box[1]], 0f, "const mode writes zeros");
        Tensor t = Tensor.of(Device.CPU, ramp(3 * 6 * 6), 3, 6, 6);
        assertSame(t, RandomErasing.of(0.0, "pixel", 1).apply(t, new Generator(1)));
        Tensor e = RandomErasing.of(1.0, "pixel", 1).apply(t, new Generator(1));
        assertArrayEquals(t.shape(), e.shape());
        assertThrows(IllegalArgumentException.class, () -> RandomErasing.of(0.5, "noise", 1));
        assertThrows(IllegalArgumentException.class, () -> RandomErasing.of(1.5, "pixel", 1));
    }
}
