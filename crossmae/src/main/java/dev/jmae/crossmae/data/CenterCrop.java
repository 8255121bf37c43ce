package dev.jmae.crossmae.data;

import dev.jmae.tensor.Generator;

/**
 * Crops the central height × width region: top = round((H - h) / 2), left = round((W - w) / 2)
 * with Python's round-half-to-even. A crop larger than the image first pads with zeros, (d / 2)
 * before and ((d + 1) / 2) after in each short dimension, as torchvision does.
 * torchvision's {@code CenterCrop(size)} / {@code F.center_crop}.
 */
public final class CenterCrop implements Transform {

    private final int height;
    private final int width;

    /**
     * A square crop.
     *
     * @param size side in pixels, at least 1
     * @throws IllegalArgumentException if size is not positive
     */
    public CenterCrop(int size) {
        this(size, size);
    }

    /**
     * A height × width crop.
     *
     * @param height rows, at least 1
     * @param width columns, at least 1
     * @throws IllegalArgumentException if a size is not positive
     */
    public CenterCrop(int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("CenterCrop: expected a positive size, got " + height + "x" + width);
        }
        this.height = height;
        this.width = width;
    }

    /**
     * Crops the center.
     *
     * @param in the image, [C, H, W]
     * @param g unused
     * @return the crop, [C, height, width]
     */
    @Override
    public Image apply(Image in, Generator g) {
        Image img = in;
        if (width > img.width() || height > img.height()) {
            int padLeft = width > img.width() ? (width - img.width()) / 2 : 0;
            int padTop = height > img.height() ? (height - img.height()) / 2 : 0;
            int padRight = width > img.width() ? (width - img.width() + 1) / 2 : 0;
            int padBottom = height > img.height() ? (height - img.height() + 1) / 2 : 0;
            img = img.crop(-padTop, -padLeft, img.height() + padTop + padBottom, img.width() + padLeft + padRight);
        }
        int top = (int) Math.rint((img.height() - height) / 2.0);
        int left = (int) Math.rint((img.width() - width) / 2.0);
        return img.crop(top, left, height, width);
    }

    @Override
    public String toString() {
        return "CenterCrop(size=(" + height + ", " + width + "))";
    }
}
