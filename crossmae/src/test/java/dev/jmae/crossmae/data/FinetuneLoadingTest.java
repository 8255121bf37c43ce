package dev.jmae.crossmae.data;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loading for fine-tuning and the linear probe: the loader's stage after Normalize gives each image
 * exactly what {@link FinetuneTransforms.Train#tensor} gives it with the image's generator (random
 * erasing after the 8-bit stages, timm's order), whatever the number of workers; util/crop.py's
 * crop draws once and clips instead of retrying.
 */
class FinetuneLoadingTest {

    @Test
    void randomErasingRunsInTheLoaderAfterNormalizeWithTheImagesGenerator() throws IOException {
        ImageDataset set = IdxDataset.split(Fixtures.subset(), Split.TEST);
        double[] mean = {0.286};
        double[] std = {0.353};
        FinetuneTransforms.Train t = FinetuneTransforms.train(28, "rand-m9-mstd0.5-inc1", 1.0, "pixel", 1, mean, std);
        float[][] byWorkers = new float[2][];
        for (int workers : new int[] {0, 2}) {
            try (DataLoader l = new DataLoader(set, t.images(), mean, std, 8, true, true, 5, workers, 2, Device.CPU)
                    .tensorTransform(t::eraseInPlace)) {
                Batch b = l.epoch(3, 1).next();
                byWorkers[workers / 2] = b.images().toArray();
                for (int i = 0; i < 8; i++) {
                    float[] want = t
                            .tensor(set.image(b.indices()[i]), DataLoader.sampleGenerator(5, 3, b.indices()[i]),
                                    Device.CPU)
                            .toArray();
                    float[] got = Arrays.copyOfRange(byWorkers[workers / 2], i * 784, (i + 1) * 784);
                    assertArrayEquals(want, got, "image " + i + " with " + workers + " workers");
                }
            }
        }
        assertArrayEquals(byWorkers[0], byWorkers[1]);
        try (DataLoader plain = new DataLoader(set, t.images(), mean, std, 8, true, true, 5, 0, 2, Device.CPU)) {
            assertFalse(Arrays.equals(byWorkers[0], plain.epoch(3, 1).next().images().toArray()),
                    "with reprob 1 every image has an erased box the plain loader lacks");
        }
    }

    @Test
    void theLinearProbesCropDrawsOnceAndClips() {
        TfRandomResizedCrop crop = new TfRandomResizedCrop(28, 0.5, 1.0, 3.0, 4.0);
        boolean clipped = false;
        for (int s = 0; s < 200; s++) {
            RandomResizedCrop.Params p = crop.getParams(28, 28, new Generator(s));
            assertTrue(p.top() >= 0 && p.left() >= 0 && p.top() + p.height() <= 28 && p.left() + p.width() <= 28,
                    p.toString());
            assertEquals(p, crop.getParams(28, 28, new Generator(s)), "a generator fixes the box");
            clipped |= p.width() == 28;
        }
        assertTrue(clipped, "aspect 3-4 at half the area or more is wider than the image: clipped to W, not redrawn");
        Image img = RandAugmentTest.random(4, 1, 28, 28);
        Image out = TfRandomResizedCrop.linearProbe(16).apply(img, new Generator(1));
        assertEquals(List.of(1, 16, 16), List.of(out.channels(), out.height(), out.width()));
    }
}
