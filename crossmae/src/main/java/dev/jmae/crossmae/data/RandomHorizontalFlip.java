package dev.jmae.crossmae.data;

import dev.jmae.tensor.Generator;

/**
 * Mirrors the image left to right with probability p: draws u = g.nextDouble() (always exactly
 * one draw) and flips when u &lt; p. torchvision's {@code RandomHorizontalFlip(p)}.
 */
public final class RandomHorizontalFlip implements Transform {

    private final double p;

    /**
     * Creates the transform.
     *
     * @param p flip probability, 0..1 (docs/model.md §2 uses 0.5)
     * @throws IllegalArgumentException if p is outside [0, 1]
     */
    public RandomHorizontalFlip(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("RandomHorizontalFlip: expected p in [0, 1], got " + p);
        }
        this.p = p;
    }

    /**
     * Flips with probability p.
     *
     * @param in the image, [C, H, W]
     * @param g the sample's generator; one double is drawn
     * @return the flipped image, or {@code in}
     */
    @Override
    public Image apply(Image in, Generator g) {
        return g.nextDouble() < p ? hflip(in) : in;
    }

    /**
     * Mirrors columns: out[c, y, x] = in[c, y, W-1-x]. torchvision's {@code F.hflip}.
     *
     * @param in the image, [C, H, W]
     * @return the mirrored image, [C, H, W]
     */
    public static Image hflip(Image in) {
        int w = in.width();
        int rows = in.channels() * in.height();
        byte[] src = in.pixels();
        byte[] out = new byte[src.length];
        for (int r = 0; r < rows; r++) {
            int base = r * w;
            for (int x = 0; x < w; x++) {
                out[base + x] = src[base + w - 1 - x];
            }
        }
        return new Image(in.channels(), in.height(), w, out);
    }

    @Override
    public String toString() {
        return "RandomHorizontalFlip(p=" + p + ")";
    }
}
