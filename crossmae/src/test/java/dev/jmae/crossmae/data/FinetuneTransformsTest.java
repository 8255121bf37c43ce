package dev.jmae.crossmae.data;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The official fine-tuning pipelines ({@code build_transform}): stages, sizes, determinism. */
class FinetuneTransformsTest {

    @Test
    void trainPipelineHasTheOfficialStages() {
        FinetuneTransforms.Train t = FinetuneTransforms.train(28, new double[] {0.286}, new double[] {0.353});
        assertEquals(3, t.images().transforms().size());
        RandomResizedCrop crop = assertInstanceOf(RandomResizedCrop.class, t.images().transforms().get(0));
        assertTrue(crop.toString().contains("scale=(0.08, 1.0)"), crop.toString());
        assertInstanceOf(RandomHorizontalFlip.class, t.images().transforms().get(1));
        RandAugment ra = assertInstanceOf(RandAugment.class, t.images().transforms().get(2));
        assertEquals(RandAugment.Config.parse("rand-m9-mstd0.5-inc1"), ra.config());
        assertEquals(0.25, t.erasing().probability());
        assertNull(FinetuneTransforms.train(28, null, 0, "pixel", 1, new double[] {0.5}, new double[] {0.5}).erasing());
        assertThrows(IllegalArgumentException.class,
                () -> FinetuneTransforms.train(28, "augmix-m5", 0, "pixel", 1, new double[] {0.5}, new double[] {0.5}));
    }

    @Test
    void trainTensorIsDeterministicWithTheRightShape() {
        FinetuneTransforms.Train t = FinetuneTransforms.train(24, new double[] {0.485, 0.456, 0.406},
                new double[] {0.229, 0.224, 0.225});
        Image img = RandAugmentTest.random(1, 3, 40, 32);
        for (int s = 0; s < 20; s++) {
            Tensor a = t.tensor(img, new Generator(s), Device.CPU);
            assertArrayEquals(new int[] {3, 24, 24}, a.shape());
            assertArrayEquals(a.toArray(), t.tensor(img, new Generator(s), Device.CPU).toArray());
        }
    }

    @Test
    void evalResizesByTheCropRatioThenCrops() {
        assertEquals(256, FinetuneTransforms.evalResizeSize(224));
        assertEquals(32, FinetuneTransforms.evalResizeSize(28));
        assertEquals(448, FinetuneTransforms.evalResizeSize(448));
        Compose eval = FinetuneTransforms.eval(28, new double[] {0.5}, new double[] {0.5});
        assertTrue(eval.transforms().get(0).toString().contains("size=32"), eval.toString());
        Tensor out = eval.tensor(RandAugmentTest.random(2, 1, 28, 28), new Generator(0), Device.CPU);
        assertArrayEquals(new int[] {1, 28, 28}, out.shape());
    }
}
