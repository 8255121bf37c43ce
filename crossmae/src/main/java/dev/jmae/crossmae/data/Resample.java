package dev.jmae.crossmae.data;

/**
 * PIL's bicubic resize of 8-bit images ({@code Image.resize(size, Image.BICUBIC)}, Pillow's
 * {@code libImaging/Resample.c}), reproduced operation for operation so results are identical to
 * PIL's, pixel for pixel. This is the resampling torchvision's {@code Resize} and
 * {@code RandomResizedCrop} use on PIL images (PIL always antialiases).
 *
 * <p>Per output coordinate x (separately for columns, then rows):
 * <ol>
 *   <li>scale = in / out; the filter is widened when shrinking: filterscale = max(scale, 1),
 *       support = 2 · filterscale;</li>
 *   <li>center = (x + 0.5) · scale; taps i from (int) (center - support + 0.5) to
 *       (int) (center + support + 0.5), clamped to the image;</li>
 *   <li>weight(i) = k((i - center + 0.5) / filterscale) with the cubic convolution kernel
 *       a = -0.5 (Keys): k(t) = (a+2)|t|³ - (a+3)|t|² + 1 for |t| &lt; 1,
 *       a(|t|³ - 5|t|² + 8|t| - 4) for 1 ≤ |t| &lt; 2, else 0; weights are divided by their sum
 *       over the in-bounds taps, computed in double;</li>
 *   <li>weights are converted to fixed point with 22 fractional bits (rounded half away from
 *       zero), the sum of pixel·weight starts at 2^21 (rounding) and is shifted right by 22 and
 *       clipped to 0..255, in 32-bit integers.</li>
 * </ol>
 * The horizontal pass runs first (skipped when the width does not change) and its result is
 * rounded to 8 bits before the vertical pass (skipped when the height does not change), as in
 * PIL; this intermediate rounding is why a float implementation would differ from PIL by ±1.
 */
public final class Resample {

    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 2.0;

    private Resample() {
    }

    /**
     * Resizes an image with PIL's bicubic filter.
     *
     * @param in the image, [C, H, W]
     * @param height output rows h, at least 1
     * @param width output columns w, at least 1
     * @return the resized image [C, h, w]; the input itself when the size is unchanged
     * @throws IllegalArgumentException if height or width is not positive
     */
    public static Image bicubic(Image in, int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException(
                    "Resample.bicubic: expected a positive output size, got " + height + "x" + width);
        }
        boolean horizontal = width != in.width();
        boolean vertical = height != in.height();
        if (!horizontal && !vertical) {
            return in;
        }
        int c = in.channels();
        byte[] src = in.pixels();
        int srcH = in.height();
        int srcW = in.width();
        Coefficients vc = vertical ? Coefficients.of(in.height(), height) : null;
        if (horizontal) {
            // only the rows the vertical pass reads are needed, as in PIL
            int rowFirst = vertical ? vc.bounds[0] : 0;
            int rowLast = vertical ? vc.bounds[2 * height - 2] + vc.bounds[2 * height - 1] : in.height();
            src = horizontalPass(src, c, in.height(), in.width(), rowFirst, rowLast,
                    Coefficients.of(in.width(), width));
            srcH = rowLast - rowFirst;
            srcW = width;
            if (vertical) {
                vc = vc.shifted(rowFirst);
            }
        }
        if (vertical) {
            src = verticalPass(src, c, srcH, srcW, vc, height);
            srcH = height;
        }
        return new Image(c, srcH, srcW, src);
    }

    /** PIL's bicubic_filter: Keys' cubic convolution kernel with a = -0.5. */
    static double bicubicFilter(double x) {
        final double a = -0.5;
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /** PIL's precompute_coeffs followed by normalize_coeffs_8bpc, for the box [0, inSize). */
    private static final class Coefficients {
        final int ksize;
        /** Per output coordinate: first input tap, number of taps. */
        final int[] bounds;
        /** Per output coordinate: ksize fixed-point weights (zero past the tap count). */
        final int[] weights;

        private Coefficients(int ksize, int[] bounds, int[] weights) {
            this.ksize = ksize;
            this.bounds = bounds;
            this.weights = weights;
        }

        static Coefficients of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterscale = Math.max(scale, 1.0);
            double support = SUPPORT * filterscale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            int[] bounds = new int[2 * outSize];
            int[] weights = new int[outSize * ksize];
            double[] k = new double[ksize];
            double ss = 1.0 / filterscale;
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
                double ww = 0.0;
                for (int x = 0; x < xmax; x++) {
                    double w = bicubicFilter((x + xmin - center + 0.5) * ss);
                    k[x] = w;
                    ww += w;
                }
                for (int x = 0; x < xmax; x++) {
                    double w = ww != 0.0 ? k[x] / ww : k[x];
                    weights[xx * ksize + x] = w < 0 ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                            : (int) (0.5 + w * (1 << PRECISION_BITS));
                }
                bounds[2 * xx] = xmin;
                bounds[2 * xx + 1] = xmax;
            }
            return new Coefficients(ksize, bounds, weights);
        }

        Coefficients shifted(int first) {
            int[] b = bounds.clone();
            for (int i = 0; i < b.length; i += 2) {
                b[i] -= first;
            }
            return new Coefficients(ksize, b, weights);
        }
    }

    private static int clip8(int in) {
        if (in >= (1 << PRECISION_BITS << 8)) {
            return 255;
        }
        if (in <= 0) {
            return 0;
        }
        return in >> PRECISION_BITS;
    }

    private static byte[] horizontalPass(byte[] src, int channels, int srcH, int srcW, int rowFirst, int rowLast,
                                         Coefficients co) {
        int outW = co.bounds.length / 2;
        int rows = rowLast - rowFirst;
        byte[] out = new byte[channels * rows * outW];
        int ksize = co.ksize;
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < rows; y++) {
                int inRow = (c * srcH + rowFirst + y) * srcW;
                int outRow = (c * rows + y) * outW;
                for (int xx = 0; xx < outW; xx++) {
                    int xmin = co.bounds[2 * xx];
                    int xmax = co.bounds[2 * xx + 1];
                    int kb = xx * ksize;
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int x = 0; x < xmax; x++) {
                        ss += (src[inRow + xmin + x] & 0xFF) * co.weights[kb + x];
                    }
                    out[outRow + xx] = (byte) clip8(ss);
                }
            }
        }
        return out;
    }

    private static byte[] verticalPass(byte[] src, int channels, int srcH, int w, Coefficients co, int outH) {
        byte[] out = new byte[channels * outH * w];
        int ksize = co.ksize;
        int[] acc = new int[w];
        for (int c = 0; c < channels; c++) {
            int plane = c * srcH * w;
            for (int yy = 0; yy < outH; yy++) {
                int ymin = co.bounds[2 * yy];
                int ymax = co.bounds[2 * yy + 1];
                int kb = yy * ksize;
                java.util.Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
                // integer sums are exact, so accumulating row by row equals PIL's per-pixel order
                for (int y = 0; y < ymax; y++) {
                    int k = co.weights[kb + y];
                    int row = plane + (ymin + y) * w;
                    for (int x = 0; x < w; x++) {
                        acc[x] += (src[row + x] & 0xFF) * k;
                    }
                }
                int outRow = (c * outH + yy) * w;
                for (int x = 0; x < w; x++) {
                    out[outRow + x] = (byte) clip8(acc[x]);
                }
            }
        }
        return out;
    }
}
