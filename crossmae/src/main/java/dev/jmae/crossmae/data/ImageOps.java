package dev.jmae.crossmae.data;

/**
 * Pixel-value operations on 8-bit images as Pillow 9.4 computes them: the lookup-table functions
 * of {@code PIL.ImageOps} (autocontrast, equalize, invert, posterize, solarize) and timm's
 * {@code solarize_add}, each per channel, for "L" (C = 1) and "RGB" (C = 3) images alike. Every
 * function builds a 256-entry table per channel with Python's integer arithmetic and applies it
 * like {@code Image.point}, whose C side clips table values to 0..255.
 */
public final class ImageOps {

    private ImageOps() {
    }

    /**
     * Applies one table per channel ({@code Image.point}).
     *
     * @param in the image, [C, H, W]
     * @param luts C tables of 256 values each (values are clipped to 0..255)
     * @return the mapped image
     */
    static Image point(Image in, int[][] luts) {
        int plane = in.height() * in.width();
        byte[] src = in.pixels();
        byte[] out = new byte[src.length];
        for (int c = 0; c < in.channels(); c++) {
            byte[] lut = new byte[256];
            for (int i = 0; i < 256; i++) {
                lut[i] = (byte) Math.max(0, Math.min(255, luts[c][i]));
            }
            for (int i = c * plane, end = i + plane; i < end; i++) {
                out[i] = lut[src[i] & 0xFF];
            }
        }
        return new Image(in.channels(), in.height(), in.width(), out);
    }

    private static int[][] sameForEveryChannel(Image in, int[] lut) {
        int[][] luts = new int[in.channels()][];
        java.util.Arrays.fill(luts, lut);
        return luts;
    }

    /**
     * Per-channel histograms ({@code Image.histogram}).
     *
     * @param in the image, [C, H, W]
     * @return [C][256] counts
     */
    static int[][] histogram(Image in) {
        int plane = in.height() * in.width();
        int[][] h = new int[in.channels()][256];
        byte[] p = in.pixels();
        for (int c = 0; c < in.channels(); c++) {
            for (int i = c * plane, end = i + plane; i < end; i++) {
                h[c][p[i] & 0xFF]++;
            }
        }
        return h;
    }

    /**
     * Stretches each channel so its darkest value becomes 0 and its lightest 255
     * ({@code ImageOps.autocontrast(image)}, cutoff 0): scale = 255/(hi − lo), offset = −lo·scale,
     * lut[i] = int(i·scale + offset) clipped; a channel with a single value is left unchanged.
     *
     * @param in the image, [C, H, W]
     * @return the stretched image
     */
    public static Image autocontrast(Image in) {
        int[][] hist = histogram(in);
        int[][] luts = new int[in.channels()][256];
        for (int c = 0; c < in.channels(); c++) {
            int lo = 0;
            while (lo < 255 && hist[c][lo] == 0) {
                lo++;
            }
            int hi = 255;
            while (hi > 0 && hist[c][hi] == 0) {
                hi--;
            }
            for (int i = 0; i < 256; i++) {
                if (hi <= lo) {
                    luts[c][i] = i;
                } else {
                    double scale = 255.0 / (hi - lo);
                    double offset = -lo * scale;
                    luts[c][i] = (int) (i * scale + offset);
                }
            }
        }
        return point(in, luts);
    }

    /**
     * Histogram equalization per channel ({@code ImageOps.equalize(image)}): with the non-zero
     * bins of a channel, step = (Σ bins − last bin) // 255; if there is at most one bin or step
     * is 0 the channel is unchanged, else lut[i] = n // step with n = step // 2 + Σ_{j&lt;i} h[j].
     *
     * @param in the image, [C, H, W]
     * @return the equalized image
     */
    public static Image equalize(Image in) {
        int[][] hist = histogram(in);
        int[][] luts = new int[in.channels()][256];
        for (int c = 0; c < in.channels(); c++) {
            int[] h = hist[c];
            long total = 0;
            int last = 0;
            int nonZero = 0;
            for (int i = 0; i < 256; i++) {
                if (h[i] != 0) {
                    total += h[i];
                    last = h[i];
                    nonZero++;
                }
            }
            long step = nonZero <= 1 ? 0 : (total - last) / 255;
            if (step == 0) {
                for (int i = 0; i < 256; i++) {
                    luts[c][i] = i;
                }
            } else {
                long n = step / 2;
                for (int i = 0; i < 256; i++) {
                    luts[c][i] = (int) Math.min(Integer.MAX_VALUE, n / step);
                    n += h[i];
                }
            }
        }
        return point(in, luts);
    }

    /**
     * 255 − v ({@code ImageOps.invert}).
     *
     * @param in the image, [C, H, W]
     * @return the negative
     */
    public static Image invert(Image in) {
        int[] lut = new int[256];
        for (int i = 0; i < 256; i++) {
            lut[i] = 255 - i;
        }
        return point(in, sameForEveryChannel(in, lut));
    }

    /**
     * Keeps the top bits of each value: v &amp; ~(2^(8 − bits) − 1) ({@code ImageOps.posterize});
     * 0 bits gives black.
     *
     * @param in the image, [C, H, W]
     * @param bits bits to keep, 0..8
     * @return the posterized image
     * @throws IllegalArgumentException if bits is outside 0..8
     */
    public static Image posterize(Image in, int bits) {
        if (bits < 0 || bits > 8) {
            throw new IllegalArgumentException("posterize: expected 0..8 bits, got " + bits);
        }
        int mask = ~((1 << (8 - bits)) - 1);
        int[] lut = new int[256];
        for (int i = 0; i < 256; i++) {
            lut[i] = i & mask;
        }
        return point(in, sameForEveryChannel(in, lut));
    }

    /**
     * Inverts values at or above a threshold: v &lt; t ? v : 255 − v ({@code ImageOps.solarize});
     * t = 256 leaves the image unchanged.
     *
     * @param in the image, [C, H, W]
     * @param threshold t
     * @return the solarized image
     */
    public static Image solarize(Image in, int threshold) {
        int[] lut = new int[256];
        for (int i = 0; i < 256; i++) {
            lut[i] = i < threshold ? i : 255 - i;
        }
        return point(in, sameForEveryChannel(in, lut));
    }

    /**
     * Adds to values below a threshold: v &lt; t ? min(255, v + add) : v (timm's
     * {@code solarize_add}, threshold 128 there).
     *
     * @param in the image, [C, H, W]
     * @param add the increment
     * @param threshold t
     * @return the result
     */
    public static Image solarizeAdd(Image in, int add, int threshold) {
        int[] lut = new int[256];
        for (int i = 0; i < 256; i++) {
            lut[i] = i < threshold ? Math.min(255, i + add) : i;
        }
        return point(in, sameForEveryChannel(in, lut));
    }
}
