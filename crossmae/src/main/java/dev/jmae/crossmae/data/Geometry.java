package dev.jmae.crossmae.data;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;

/**
 * Pillow 9.4's affine resampling of 8-bit images, {@code Image.transform(size, AFFINE, data,
 * resample, fillcolor=fill)} and {@code Image.rotate(angle, resample, fillcolor=fill)}, reproduced
 * operation for operation (libImaging {@code Geometry.c}) for "L" and "RGB" images.
 *
 * <p>The output starts filled with the fill colour. Each output pixel (x, y) samples the input at
 * xin = a0·(x + ½) + a1·(y + ½) + a2, yin = a3·(x + ½) + a4·(y + ½) + a5 (in double); a sample
 * outside [0, W) × [0, H) keeps the fill. Otherwise, with xin −= ½, yin −= ½ and (x0, y0) their
 * floors, the filter reads neighbours clamped to the image:
 * <ul>
 *   <li>bilinear: two taps per axis, v = a + (b − a)·d, truncated to uint8;</li>
 *   <li>bicubic: four taps per axis (x0 − 1 … x0 + 2) with Pillow's cubic of a = −1,
 *       v = p1 + d·(p2 + d·(p3 + d·p4)), p1 = v2, p2 = v3 − v1, p3 = 2(v1 − v2) + v3 − v4,
 *       p4 = −v1 + v2 − v3 + v4, rows first then the column; clipped to 0..255 and truncated.</li>
 * </ul>
 * (Nearest-neighbour affine resampling takes a fixed-point path in Pillow and is not provided;
 * timm's RandAugment uses bilinear or bicubic.)
 */
public final class Geometry {

    /** Resampling filter of an affine transform (PIL {@code Image.Resampling}). */
    public enum Resample {
        /** PIL BILINEAR. */
        BILINEAR,
        /** PIL BICUBIC. */
        BICUBIC
    }

    private Geometry() {
    }

    /**
     * {@code Image.transform(img.size, Image.AFFINE, a, resample, fillcolor=fill)}.
     *
     * @param in the image, [C, H, W]
     * @param a the inverse map (output to input) a0..a5
     * @param resample the filter
     * @param fill the fill colour, one value per channel (0..255)
     * @return the transformed image, [C, H, W]
     * @throws IllegalArgumentException if a does not have 6 values or fill does not have C
     */
    public static Image affine(Image in, double[] a, Resample resample, int[] fill) {
        if (a.length != 6) {
            throw new IllegalArgumentException("Geometry.affine: expected 6 coefficients, got " + a.length);
        }
        checkFill(in, fill);
        int c = in.channels();
        int h = in.height();
        int w = in.width();
        int plane = h * w;
        byte[] src = in.pixels();
        byte[] out = new byte[src.length];
        for (int ch = 0; ch < c; ch++) {
            Arrays.fill(out, ch * plane, (ch + 1) * plane, (byte) fill[ch]);
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double xi = x + 0.5;
                double yi = y + 0.5;
                double xin = a[0] * xi + a[1] * yi + a[2];
                double yin = a[3] * xi + a[4] * yi + a[5];
                if (xin < 0.0 || xin >= w || yin < 0.0 || yin >= h) {
                    continue;
                }
                xin -= 0.5;
                yin -= 0.5;
                int x0 = floor(xin);
                int y0 = floor(yin);
                double dx = xin - x0;
                double dy = yin - y0;
                for (int ch = 0; ch < c; ch++) {
                    int base = ch * plane;
                    int v = resample == Resample.BICUBIC ? bicubic(src, base, h, w, x0 - 1, y0 - 1, dx, dy)
                            : bilinear(src, base, h, w, x0, y0, dx, dy);
                    out[base + y * w + x] = (byte) v;
                }
            }
        }
        return new Image(c, h, w, out);
    }

    /** libImaging's FLOOR: (int) floor for negatives, truncation otherwise. */
    private static int floor(double v) {
        return v < 0.0 ? (int) Math.floor(v) : (int) v;
    }

    private static int clampIndex(int i, int size) {
        return i < 0 ? 0 : i < size ? i : size - 1;
    }

    private static int bilinear(byte[] p, int base, int h, int w, int x, int y, double dx, double dy) {
        int x0 = clampIndex(x, w);
        int x1 = clampIndex(x + 1, w);
        int row = base + clampIndex(y, h) * w;
        double v1 = lerp(p[row + x0] & 0xFF, p[row + x1] & 0xFF, dx);
        double v2 = v1;
        if (y + 1 >= 0 && y + 1 < h) {
            row = base + (y + 1) * w;
            v2 = lerp(p[row + x0] & 0xFF, p[row + x1] & 0xFF, dx);
        }
        return (int) (v1 + (v2 - v1) * dy);
    }

    private static double lerp(int a, int b, double d) {
        return a + (b - a) * d;
    }

    private static int bicubic(byte[] p, int base, int h, int w, int x, int y, double dx, double dy) {
        int x0 = clampIndex(x, w);
        int x1 = clampIndex(x + 1, w);
        int x2 = clampIndex(x + 2, w);
        int x3 = clampIndex(x + 3, w);
        int row = base + clampIndex(y, h) * w;
        double v1 = cubicInt(p[row + x0] & 0xFF, p[row + x1] & 0xFF, p[row + x2] & 0xFF, p[row + x3] & 0xFF, dx);
        double v2 = v1;
        if (y + 1 >= 0 && y + 1 < h) {
            row = base + (y + 1) * w;
            v2 = cubicInt(p[row + x0] & 0xFF, p[row + x1] & 0xFF, p[row + x2] & 0xFF, p[row + x3] & 0xFF, dx);
        }
        double v3 = v2;
        if (y + 2 >= 0 && y + 2 < h) {
            row = base + (y + 2) * w;
            v3 = cubicInt(p[row + x0] & 0xFF, p[row + x1] & 0xFF, p[row + x2] & 0xFF, p[row + x3] & 0xFF, dx);
        }
        double v4 = v3;
        if (y + 3 >= 0 && y + 3 < h) {
            row = base + (y + 3) * w;
            v4 = cubicInt(p[row + x0] & 0xFF, p[row + x1] & 0xFF, p[row + x2] & 0xFF, p[row + x3] & 0xFF, dx);
        }
        double v = cubic(v1, v2, v3, v4, dy);
        if (v <= 0.0) {
            return 0;
        }
        if (v >= 255.0) {
            return 255;
        }
        return (int) v;
    }

    /** Pillow's BICUBIC macro on uint8 taps: the p's are integer expressions there, exact here too. */
    private static double cubicInt(int v1, int v2, int v3, int v4, double d) {
        double p1 = v2;
        double p2 = -v1 + v3;
        double p3 = 2 * (v1 - v2) + v3 - v4;
        double p4 = -v1 + v2 - v3 + v4;
        return p1 + d * (p2 + d * (p3 + d * p4));
    }

    /** Pillow's BICUBIC macro on double values, in its evaluation order. */
    private static double cubic(double v1, double v2, double v3, double v4, double d) {
        double p1 = v2;
        double p2 = -v1 + v3;
        double p3 = 2 * (v1 - v2) + v3 - v4;
        double p4 = -v1 + v2 - v3 + v4;
        return p1 + d * (p2 + d * (p3 + d * p4));
    }

    /**
     * {@code Image.rotate(degrees, resample, fillcolor=fill)} (no expand, centre (W/2, H/2)):
     * angle = degrees mod 360 (Python's sign rule); angle 0 returns the image; 180, and 90 or 270
     * on a square image, are exact transposes; otherwise the affine map with
     * θ = −radians(angle), matrix rows (cos θ, sin θ, ·), (−sin θ, cos θ, ·) each rounded to 15
     * decimals (Python's {@code round(v, 15)}), translated so the centre stays fixed.
     *
     * @param in the image, [C, H, W]
     * @param degrees counter-clockwise angle
     * @param resample the filter
     * @param fill the fill colour, one value per channel
     * @return the rotated image, [C, H, W]
     * @throws IllegalArgumentException if fill does not have C values
     */
    public static Image rotate(Image in, double degrees, Resample resample, int[] fill) {
        checkFill(in, fill);
        double angle = degrees % 360.0;
        if (angle != 0 && angle < 0) {
            angle += 360.0;
        }
        int w = in.width();
        int h = in.height();
        if (angle == 0) {
            return in;
        }
        if (angle == 180) {
            return transpose(in, 180);
        }
        if ((angle == 90 || angle == 270) && w == h) {
            return transpose(in, (int) angle);
        }
        double cx = w / 2.0;
        double cy = h / 2.0;
        double theta = -(angle * (Math.PI / 180.0));
        double[] m = {round15(Math.cos(theta)), round15(Math.sin(theta)), 0.0, round15(-Math.sin(theta)),
            round15(Math.cos(theta)), 0.0};
        double tx = m[0] * -cx + m[1] * -cy + m[2];
        double ty = m[3] * -cx + m[4] * -cy + m[5];
        m[2] = tx + cx;
        m[5] = ty + cy;
        return affine(in, m, resample, fill);
    }

    /** Python's {@code round(v, 15)}: the exact binary value rounded half-even at the 15th decimal. */
    static double round15(double v) {
        if (v == 0 || !Double.isFinite(v)) {
            return v;
        }
        return new BigDecimal(v).setScale(15, RoundingMode.HALF_EVEN).doubleValue();
    }

    /** PIL's Transpose.ROTATE_90 / ROTATE_180 / ROTATE_270 (counter-clockwise), square images for 90/270. */
    private static Image transpose(Image in, int angle) {
        int c = in.channels();
        int h = in.height();
        int w = in.width();
        byte[] src = in.pixels();
        byte[] out = new byte[src.length];
        for (int ch = 0; ch < c; ch++) {
            int base = ch * h * w;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int sy;
                    int sx;
                    if (angle == 180) {
                        sy = h - 1 - y;
                        sx = w - 1 - x;
                    } else if (angle == 90) {
                        sy = x;
                        sx = w - 1 - y;
                    } else {
                        sy = h - 1 - x;
                        sx = y;
                    }
                    out[base + y * w + x] = src[base + sy * w + sx];
                }
            }
        }
        return new Image(c, h, w, out);
    }

    private static void checkFill(Image in, int[] fill) {
        if (fill.length != in.channels()) {
            throw new IllegalArgumentException(
                    "Geometry: expected one fill value per channel (" + in.channels() + "), got "
                            + Arrays.toString(fill) + "; hint: PIL rejects a 3-value fill colour for an L image too");
        }
    }
}
