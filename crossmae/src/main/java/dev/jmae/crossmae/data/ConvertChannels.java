package dev.jmae.crossmae.data;

import dev.jmae.tensor.Generator;

/**
 * Converts between gray and RGB so a dataset fits a model's channel count: 3 → 1 with PIL's
 * {@code convert("L")} (L = (19595 R + 38470 G + 7471 B + 2^15) >> 16), 1 → 3 with
 * {@code convert("RGB")} (the plane replicated); an image that already has the target channel
 * count is returned unchanged. Put it first in a pipeline, e.g. to train a 3-channel model on
 * Fashion-MNIST.
 */
public final class ConvertChannels implements Transform {

    private final int channels;

    /**
     * Creates the transform.
     *
     * @param channels the target C: 1 or 3
     * @throws IllegalArgumentException if channels is not 1 or 3
     */
    public ConvertChannels(int channels) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("ConvertChannels: expected 1 or 3 channels, got " + channels);
        }
        this.channels = channels;
    }

    /**
     * Converts.
     *
     * @param in the image, [1 or 3, H, W]
     * @param g unused
     * @return the image, [channels, H, W]
     * @throws IllegalArgumentException if the input has neither 1 nor 3 channels
     */
    @Override
    public Image apply(Image in, Generator g) {
        if (in.channels() == channels) {
            return in;
        }
        if (in.channels() == 3) {
            return ImageDecoding.toGray(in);
        }
        if (in.channels() == 1) {
            return ImageDecoding.toRgb(in);
        }
        throw new IllegalArgumentException("ConvertChannels: expected a 1- or 3-channel image, got " + in);
    }

    @Override
    public String toString() {
        return "ConvertChannels(" + (channels == 3 ? "RGB" : "L") + ")";
    }
}
