package dev.jmae.crossmae.data;

import dev.jmae.tensor.Generator;

/**
 * A stage that runs after ToTensor and Normalize on one image's slot of a batch buffer, in place,
 * with the generator the image's 8-bit stages drew from (e.g. timm's random erasing, which
 * {@code create_transform} puts after Normalize; {@link FinetuneTransforms.Train#eraseInPlace}).
 */
@FunctionalInterface
public interface TensorTransform {

    /**
     * Transforms one normalized image in place.
     *
     * @param data the batch buffer, planar [B, C, H, W]
     * @param offset index of the image's first value
     * @param channels C
     * @param height H
     * @param width W
     * @param g the sample's generator, after the 8-bit stages
     */
    void applyInPlace(float[] data, int offset, int channels, int height, int width, Generator g);
}
