package dev.jmae.crossmae.data;

import dev.jmae.tensor.Generator;

/**
 * One step of an 8-bit image pipeline, like a torchvision transform applied to a PIL image.
 * Random transforms draw only from the given generator, so a sample's augmentation is fixed by
 * the generator the {@link DataLoader} derives for it; deterministic transforms ignore it.
 * Implementations are immutable and safe to share between loader threads.
 */
@FunctionalInterface
public interface Transform {

    /**
     * Applies the transform.
     *
     * @param in the image, [C, H, W]; not modified
     * @param g the sample's random generator
     * @return the result (may be {@code in} itself when nothing changes)
     */
    Image apply(Image in, Generator g);
}
