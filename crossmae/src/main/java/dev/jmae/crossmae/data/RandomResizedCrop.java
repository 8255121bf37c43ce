package dev.jmae.crossmae.data;

import dev.jmae.tensor.Generator;

/**
 * Crops a random region of random area and aspect ratio, then resizes it to size × size with
 * PIL's bicubic filter. torchvision's {@code RandomResizedCrop(size, scale, ratio,
 * interpolation=BICUBIC)} on PIL images, docs/model.md §2 (MAE/CrossMAE use scale (0.2, 1.0), ratio
 * (3/4, 4/3)).
 *
 * <p>The crop box follows torchvision's {@code get_params} exactly, with the draws taken from the
 * sample's {@link Generator} instead of torch's global generator (so the numbers differ from a
 * PyTorch run, the distribution does not). See {@link #getParams}.
 */
public final class RandomResizedCrop implements Transform {

    private final int size;
    private final double scaleMin;
    private final double scaleMax;
    private final double ratioMin;
    private final double ratioMax;
    private final double logRatioMin;
    private final double logRatioMax;

    /**
     * A crop box: rows top..top+height-1, columns left..left+width-1 (torchvision's i, j, h, w).
     *
     * @param top first row i
     * @param left first column j
     * @param height rows h
     * @param width columns w
     */
    public record Params(int top, int left, int height, int width) {
    }

    /**
     * Creates the transform.
     *
     * @param size output side in pixels, at least 1
     * @param scaleMin smallest crop area as a fraction of the image area, &gt; 0
     * @param scaleMax largest area fraction, ≥ scaleMin (may exceed 1; such draws fall back)
     * @param ratioMin smallest aspect ratio width/height, &gt; 0
     * @param ratioMax largest aspect ratio, ≥ ratioMin
     * @throws IllegalArgumentException if a value is out of range or a range is reversed
     *     (torchvision only warns)
     */
    public RandomResizedCrop(int size, double scaleMin, double scaleMax, double ratioMin, double ratioMax) {
        if (size < 1) {
            throw new IllegalArgumentException("RandomResizedCrop: expected a positive size, got " + size);
        }
        if (!(scaleMin > 0 && scaleMin <= scaleMax && Double.isFinite(scaleMax))) {
            throw new IllegalArgumentException("RandomResizedCrop: expected 0 < scale min <= scale max, got ("
                    + scaleMin + ", " + scaleMax + ")");
        }
        if (!(ratioMin > 0 && ratioMin <= ratioMax && Double.isFinite(ratioMax))) {
            throw new IllegalArgumentException("RandomResizedCrop: expected 0 < ratio min <= ratio max, got ("
                    + ratioMin + ", " + ratioMax + ")");
        }
        this.size = size;
        this.scaleMin = scaleMin;
        this.scaleMax = scaleMax;
        this.ratioMin = ratioMin;
        this.ratioMax = ratioMax;
        this.logRatioMin = Math.log(ratioMin);
        this.logRatioMax = Math.log(ratioMax);
    }

    /**
     * Draws a crop box (torchvision's {@code RandomResizedCrop.get_params}). Up to 10 attempts:
     * target area = H·W·U(scaleMin, scaleMax), aspect = exp(U(log ratioMin, log ratioMax)),
     * w = round(√(area·aspect)), h = round(√(area/aspect)) with round-half-to-even; accepted if
     * 0 &lt; w ≤ W and 0 &lt; h ≤ H, then top = U{0..H-h}, left = U{0..W-w}. If every attempt
     * fails: a center crop with the aspect ratio clamped to the range (W/H &lt; ratioMin: w = W,
     * h = round(W / ratioMin); W/H &gt; ratioMax: h = H, w = round(H · ratioMax); else the whole
     * image), top = (H-h)/2, left = (W-w)/2 (integer division).
     *
     * @param height the image's H
     * @param width the image's W
     * @param g the generator; 2 doubles per attempt, then 2 ints when an attempt succeeds
     * @return the box, always inside the image
     */
    public Params getParams(int height, int width, Generator g) {
        double area = (double) height * width;
        for (int attempt = 0; attempt < 10; attempt++) {
            double targetArea = area * (scaleMin + (scaleMax - scaleMin) * g.nextDouble());
            double aspect = Math.exp(logRatioMin + (logRatioMax - logRatioMin) * g.nextDouble());
            int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
            int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
            if (0 < w && w <= width && 0 < h && h <= height) {
                int i = g.nextInt(height - h + 1);
                int j = g.nextInt(width - w + 1);
                return new Params(i, j, h, w);
            }
        }
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < ratioMin) {
            w = width;
            h = (int) Math.rint(w / ratioMin);
        } else if (inRatio > ratioMax) {
            h = height;
            w = (int) Math.rint(h * ratioMax);
        } else {
            w = width;
            h = height;
        }
        // a very thin image can round the clamped side to 0; torchvision would fail there, keep one pixel
        w = Math.max(w, 1);
        h = Math.max(h, 1);
        return new Params((height - h) / 2, (width - w) / 2, h, w);
    }

    /**
     * Crops a random box and resizes it.
     *
     * @param in the image, [C, H, W]
     * @param g the sample's generator
     * @return the image, [C, size, size]
     */
    @Override
    public Image apply(Image in, Generator g) {
        Params p = getParams(in.height(), in.width(), g);
        return Resample.bicubic(in.crop(p.top(), p.left(), p.height(), p.width()), size, size);
    }

    /**
     * The output side.
     *
     * @return size in pixels
     */
    public int size() {
        return size;
    }

    @Override
    public String toString() {
        return "RandomResizedCrop(size=(" + size + ", " + size + "), scale=(" + scaleMin + ", " + scaleMax
                + "), ratio=(" + ratioMin + ", " + ratioMax + "), interpolation=bicubic)";
    }
}
