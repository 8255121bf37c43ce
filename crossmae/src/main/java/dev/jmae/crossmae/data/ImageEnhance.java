package dev.jmae.crossmae.data;

/**
 * Pillow 9.4's {@code PIL.ImageEnhance}: each enhancer blends a degenerate image d with the input
 * x, {@code Image.blend(d, x, factor)} (libImaging {@code Blend.c}), with the factor rounded to
 * float32: factor 0 returns d, factor 1 returns x; in between out = (uint8)(d + f·(x − d))
 * computed in float32 and truncated; outside [0, 1] the same value is clipped to 0..255 first.
 * For "L" (C = 1) and "RGB" (C = 3) images:
 * <ul>
 *   <li>Color: d = the grayscale image (for C = 1, d = x, so Color changes nothing);</li>
 *   <li>Contrast: d = a constant image at int(mean + 0.5), mean of the grayscale image;</li>
 *   <li>Brightness: d = black;</li>
 *   <li>Sharpness: d = x filtered with {@code ImageFilter.SMOOTH} (3×3 kernel [1 1 1; 1 5 1; 1 1 1]/13,
 *       border pixels copied).</li>
 * </ul>
 * Grayscale is {@code convert("L")}: (R·19595 + G·38470 + B·7471 + 0x8000) &gt;&gt; 16.
 */
public final class ImageEnhance {

    private ImageEnhance() {
    }

    /**
     * {@code Image.blend(a, b, alpha)}.
     *
     * @param a the first image (returned at alpha 0)
     * @param b the second image, same shape (returned at alpha 1)
     * @param alpha the weight of b, rounded to float32 as Pillow does
     * @return the blend
     * @throws IllegalArgumentException if the shapes differ
     */
    public static Image blend(Image a, Image b, double alpha) {
        if (a.channels() != b.channels() || a.height() != b.height() || a.width() != b.width()) {
            throw new IllegalArgumentException("blend: images differ in shape: " + a + " and " + b);
        }
        float f = (float) alpha;
        if (f == 0.0f) {
            return a;
        }
        if (f == 1.0f) {
            return b;
        }
        byte[] pa = a.pixels();
        byte[] pb = b.pixels();
        byte[] out = new byte[pa.length];
        boolean interpolate = f >= 0 && f <= 1.0f;
        for (int i = 0; i < pa.length; i++) {
            int x1 = pa[i] & 0xFF;
            int x2 = pb[i] & 0xFF;
            float t = x1 + f * (x2 - x1);
            int v;
            if (interpolate) {
                v = (int) t;
            } else if (t <= 0.0f) {
                v = 0;
            } else if (t >= 255.0f) {
                v = 255;
            } else {
                v = (int) t;
            }
            out[i] = (byte) v;
        }
        return new Image(a.channels(), a.height(), a.width(), out);
    }

    /**
     * The grayscale values ({@code convert("L")}): for C = 3 the ITU-R 601-2 luma in fixed point,
     * for C = 1 the image itself.
     *
     * @param in the image, [C, H, W] with C = 1 or 3
     * @return [1, H, W]
     * @throws IllegalArgumentException if C is neither 1 nor 3
     */
    public static Image grayscale(Image in) {
        if (in.channels() == 1) {
            return in;
        }
        checkChannels(in);
        int plane = in.height() * in.width();
        byte[] p = in.pixels();
        byte[] out = new byte[plane];
        for (int i = 0; i < plane; i++) {
            int r = p[i] & 0xFF;
            int g = p[plane + i] & 0xFF;
            int b = p[2 * plane + i] & 0xFF;
            out[i] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
        }
        return new Image(1, in.height(), in.width(), out);
    }

    private static void checkChannels(Image in) {
        if (in.channels() != 1 && in.channels() != 3) {
            throw new IllegalArgumentException(
                    "ImageEnhance: expected an L (1 channel) or RGB (3 channel) image, got " + in);
        }
    }

    private static Image replicate(Image gray, int channels) {
        if (channels == 1) {
            return gray;
        }
        int plane = gray.height() * gray.width();
        byte[] out = new byte[channels * plane];
        for (int c = 0; c < channels; c++) {
            System.arraycopy(gray.pixels(), 0, out, c * plane, plane);
        }
        return new Image(channels, gray.height(), gray.width(), out);
    }

    /**
     * {@code ImageEnhance.Color(image).enhance(factor)}: 0 gives grayscale, 1 the original.
     *
     * @param in the image, C = 1 or 3
     * @param factor the enhancement factor
     * @return the result
     */
    public static Image color(Image in, double factor) {
        checkChannels(in);
        return blend(replicate(grayscale(in), in.channels()), in, factor);
    }

    /**
     * {@code ImageEnhance.Contrast(image).enhance(factor)}: 0 gives a flat gray at the mean
     * luminance, 1 the original.
     *
     * @param in the image, C = 1 or 3
     * @param factor the enhancement factor
     * @return the result
     */
    public static Image contrast(Image in, double factor) {
        checkChannels(in);
        byte[] gray = grayscale(in).pixels();
        long[] hist = new long[256];
        for (byte v : gray) {
            hist[v & 0xFF]++;
        }
        double sum = 0;
        for (int j = 0; j < 256; j++) {
            sum += j * (double) hist[j];
        }
        int mean = (int) (sum / gray.length + 0.5);
        byte[] flat = new byte[in.pixels().length];
        java.util.Arrays.fill(flat, (byte) mean);
        return blend(new Image(in.channels(), in.height(), in.width(), flat), in, factor);
    }

    /**
     * {@code ImageEnhance.Brightness(image).enhance(factor)}: 0 gives black, 1 the original.
     *
     * @param in the image, C = 1 or 3
     * @param factor the enhancement factor
     * @return the result
     */
    public static Image brightness(Image in, double factor) {
        checkChannels(in);
        return blend(new Image(in.channels(), in.height(), in.width(), new byte[in.pixels().length]), in, factor);
    }

    /**
     * {@code ImageEnhance.Sharpness(image).enhance(factor)}: 0 gives the smoothed image, 1 the
     * original, 2 a sharpened one.
     *
     * @param in the image, C = 1 or 3
     * @param factor the enhancement factor
     * @return the result
     */
    public static Image sharpness(Image in, double factor) {
        checkChannels(in);
        return blend(smooth(in), in, factor);
    }

    /**
     * {@code image.filter(ImageFilter.SMOOTH)} (libImaging {@code ImagingFilter3x3}): kernel
     * weights 1/13 and 5/13 in float32, per inner pixel ss = 0.5 + row(y+1) + row(y) + row(y−1)
     * with row(r) = in[r][x−1]·k + in[r][x]·k' + in[r][x+1]·k, clipped and truncated; the first and
     * last rows and columns are copied. Images smaller than 3×3 are returned unchanged.
     *
     * @param in the image, [C, H, W]
     * @return the smoothed image
     */
    static Image smooth(Image in) {
        int h = in.height();
        int w = in.width();
        if (h < 3 || w < 3) {
            return in;
        }
        float[] k = new float[9];
        float[] raw = {1, 1, 1, 1, 5, 1, 1, 1, 1};
        for (int i = 0; i < 9; i++) {
            k[i] = raw[i] / 13f;
        }
        byte[] src = in.pixels();
        byte[] out = src.clone();
        for (int c = 0; c < in.channels(); c++) {
            int base = c * h * w;
            for (int y = 1; y < h - 1; y++) {
                int rm = base + (y - 1) * w;
                int r0 = base + y * w;
                int rp = base + (y + 1) * w;
                for (int x = 1; x < w - 1; x++) {
                    float ss = 0.5f;
                    ss += row(src, rp + x, k[0], k[1], k[2]);
                    ss += row(src, r0 + x, k[3], k[4], k[5]);
                    ss += row(src, rm + x, k[6], k[7], k[8]);
                    out[r0 + x] = (byte) (ss <= 0.0f ? 0 : ss >= 255.0f ? 255 : (int) ss);
                }
            }
        }
        return new Image(in.channels(), h, w, out);
    }

    private static float row(byte[] p, int at, float k0, float k1, float k2) {
        return (float) (p[at - 1] & 0xFF) * k0 + (float) (p[at] & 0xFF) * k1 + (float) (p[at + 1] & 0xFF) * k2;
    }
}
