package dev.jmae.crossmae.data;

import dev.jmae.tensor.Generator;

/**
 * The linear probe's crop, MAE's {@code util/crop.py RandomResizedCrop} ("for matching TF/TPU
 * implementation: no for-loop is used", after BYOL): one draw of target area = H·W·U(scale min,
 * scale max) and aspect = exp(U(log ratio min, log ratio max)), w = round(√(area·aspect)),
 * h = round(√(area/aspect)) (half to even, Python's round), each clipped to the image
 * (w = min(w, W), h = min(h, H); at least 1), top = U{0..H−h}, left = U{0..W−w}; then the box is
 * resized to size × size bicubically. Unlike torchvision's {@link RandomResizedCrop} there is no
 * retry and no centre-crop fallback, so a draw wider than the image is clipped, not redrawn.
 */
public final class TfRandomResizedCrop implements Transform {

    private final int size;
    private final double scaleMin;
    private final double scaleMax;
    private final double logRatioMin;
    private final double logRatioMax;

    /**
     * Creates the transform.
     *
     * @param size output side in pixels
     * @param scaleMin smallest area fraction (0.08)
     * @param scaleMax largest area fraction (1.0)
     * @param ratioMin smallest aspect ratio w/h (3/4)
     * @param ratioMax largest aspect ratio (4/3)
     * @throws IllegalArgumentException if a value is out of range or a range is reversed
     */
    public TfRandomResizedCrop(int size, double scaleMin, double scaleMax, double ratioMin, double ratioMax) {
        if (size < 1 || !(scaleMin > 0 && scaleMin <= scaleMax && Double.isFinite(scaleMax))
                || !(ratioMin > 0 && ratioMin <= ratioMax && Double.isFinite(ratioMax))) {
            throw new IllegalArgumentException(
                    "TfRandomResizedCrop: expected size >= 1, 0 < scale min <= max and 0 < ratio"
                            + " min <= max, got " + size + ", (" + scaleMin + ", " + scaleMax + "), (" + ratioMin + ", "
                            + ratioMax + ")");
        }
        this.size = size;
        this.scaleMin = scaleMin;
        this.scaleMax = scaleMax;
        this.logRatioMin = Math.log(ratioMin);
        this.logRatioMax = Math.log(ratioMax);
    }

    /**
     * The official probe's crop: scale (0.08, 1), ratio (3/4, 4/3).
     *
     * @param size output side
     * @return the transform
     */
    public static TfRandomResizedCrop linearProbe(int size) {
        return new TfRandomResizedCrop(size, 0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0);
    }

    /**
     * Draws a box ({@code get_params}).
     *
     * @param height H
     * @param width W
     * @param g the generator: two doubles, then two ints
     * @return the box, inside the image
     */
    public RandomResizedCrop.Params getParams(int height, int width, Generator g) {
        double targetArea = (double) height * width * (scaleMin + (scaleMax - scaleMin) * g.nextDouble());
        double aspect = Math.exp(logRatioMin + (logRatioMax - logRatioMin) * g.nextDouble());
        int w = Math.max(1, Math.min(width, (int) Math.rint(Math.sqrt(targetArea * aspect))));
        int h = Math.max(1, Math.min(height, (int) Math.rint(Math.sqrt(targetArea / aspect))));
        int i = g.nextInt(height - h + 1);
        int j = g.nextInt(width - w + 1);
        return new RandomResizedCrop.Params(i, j, h, w);
    }

    @Override
    public Image apply(Image in, Generator g) {
        RandomResizedCrop.Params p = getParams(in.height(), in.width(), g);
        return Resample.bicubic(in.crop(p.top(), p.left(), p.height(), p.width()), size, size);
    }

    @Override
    public String toString() {
        return "RandomResizedCrop(size=" + size + ", scale=(" + scaleMin + ", " + scaleMax
                + "), no retry, interpolation=bicubic)"
                + " [util/crop.py]";
    }
}
