package dev.jmae.crossmae.data;

import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

import java.util.Arrays;

/**
 * Mixup and CutMix on a whole batch with label smoothing: timm's {@code Mixup} in {@code 'batch'}
 * mode (timm 0.9.7 {@code timm/data/mixup.py}, as {@code main_finetune.py} builds it), with
 * {@code correct_lam=True} and no {@code cutmix_minmax}.
 *
 * <p>Per batch ({@code _params_per_batch}, draws in this order): with probability {@code prob}
 * the batch is mixed; then, when both alphas are positive, CutMix is chosen with probability
 * {@code switchProb}, otherwise Mixup; lam ~ Beta(α, α) of the chosen method (when only one alpha
 * is positive, that method always). A batch that is not mixed keeps lam = 1.
 * <ul>
 *   <li>Mixup: x ← lam·x + (1 − lam)·x.flip(0), in float32 with lam rounded to float, as
 *       {@code x.mul_(lam).add_(x.flip(0).mul_(1 - lam))}.</li>
 *   <li>CutMix ({@code rand_bbox}): r = √(1 − lam), cut_h = ⌊H·r⌋, cut_w = ⌊W·r⌋, centre
 *       cy ~ U{0..H−1}, cx ~ U{0..W−1}; rows clip(cy − cut_h//2, 0, H) … clip(cy + cut_h//2, 0, H)
 *       and columns likewise (exclusive ends) are copied from x.flip(0); lam is then corrected to
 *       1 − box area/(H·W).</li>
 * </ul>
 * Targets ({@code mixup_target}): off = smoothing/K, on = 1 − smoothing + off, one-hot rows y of
 * the labels; target = lam·y + (1 − lam)·y.flip(0), in float32. Each row sums to 1 (up to
 * float32 rounding).
 *
 * <p>The randomness comes from the given {@link Generator}, not numpy's global state, so the
 * draws differ from a PyTorch run while the distributions are the same. The loss to pair with
 * it is soft-target cross-entropy (timm {@code SoftTargetCrossEntropy}).
 */
public final class Mixup {

    private final double mixupAlpha;
    private final double cutmixAlpha;
    private final double prob;
    private final double switchProb;
    private final double labelSmoothing;
    private final int numClasses;

    /**
     * A CutMix box: rows top..bottom−1, columns left..right−1 (timm's yl, yh, xl, xh); may be empty.
     *
     * @param top yl
     * @param bottom yh (exclusive)
     * @param left xl
     * @param right xh (exclusive)
     */
    public record Box(int top, int bottom, int left, int right) {

        /** @return the number of pixels in the box */
        public int area() {
            return (bottom - top) * (right - left);
        }
    }

    /**
     * One batch's draw.
     *
     * @param lam the sampled mixing weight (1 when the batch is not mixed)
     * @param cutmix whether CutMix was chosen
     */
    public record Params(double lam, boolean cutmix) {
    }

    /**
     * A mixed batch.
     *
     * @param images [B, C, H, W] mixed images
     * @param targets [B, K] soft targets
     * @param lam the weight of each image's own label (after the CutMix correction)
     * @param cutmix whether CutMix was applied
     * @param box the CutMix box, or null
     */
    public record Mixed(Tensor images, Tensor targets, double lam, boolean cutmix, Box box) {
    }

    /**
     * Creates the transform.
     *
     * @param mixupAlpha Beta parameter of Mixup; Mixup is active if &gt; 0 (fine-tuning: 0.8)
     * @param cutmixAlpha Beta parameter of CutMix; CutMix is active if &gt; 0 (fine-tuning: 1.0)
     * @param prob probability of mixing a batch (mixup_prob, 1.0)
     * @param switchProb probability of CutMix when both are active (mixup_switch_prob, 0.5)
     * @param labelSmoothing ε (smoothing, 0.1)
     * @param numClasses K
     * @throws IllegalArgumentException if no method is active, an alpha is negative, a
     *     probability is outside [0, 1], ε is outside [0, 1] or K &lt; 1
     */
    public Mixup(double mixupAlpha, double cutmixAlpha, double prob, double switchProb, double labelSmoothing,
                 int numClasses) {
        if (!(mixupAlpha >= 0 && cutmixAlpha >= 0) || !(mixupAlpha > 0 || cutmixAlpha > 0)) {
            throw new IllegalArgumentException(
                    "Mixup: expected non-negative alphas with at least one positive, got mixup "
                            + mixupAlpha + ", cutmix " + cutmixAlpha);
        }
        if (!(prob >= 0 && prob <= 1 && switchProb >= 0 && switchProb <= 1 && labelSmoothing >= 0
                && labelSmoothing <= 1)) {
            throw new IllegalArgumentException(
                    "Mixup: expected prob, switch_prob and smoothing in [0, 1], got " + prob + ", "
                            + switchProb + ", " + labelSmoothing);
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException("Mixup: expected at least one class, got " + numClasses);
        }
        this.mixupAlpha = mixupAlpha;
        this.cutmixAlpha = cutmixAlpha;
        this.prob = prob;
        this.switchProb = switchProb;
        this.labelSmoothing = labelSmoothing;
        this.numClasses = numClasses;
    }

    /**
     * The fine-tuning recipe's settings (CrossMAE/MAE README commands): mixup 0.8, cutmix 1.0,
     * prob 1.0, switch 0.5, smoothing 0.1.
     *
     * @param numClasses K
     * @return the transform
     */
    public static Mixup finetuneDefaults(int numClasses) {
        return new Mixup(0.8, 1.0, 1.0, 0.5, 0.1, numClasses);
    }

    /**
     * Draws one batch's parameters ({@code _params_per_batch}): one uniform for prob, then (both
     * methods active) one uniform for the switch, then the Beta sample.
     *
     * @param g the batch's generator
     * @return lam and the method
     */
    public Params sampleParams(Generator g) {
        if (!(g.nextDouble() < prob)) {
            return new Params(1.0, false);
        }
        boolean cutmix;
        if (mixupAlpha > 0 && cutmixAlpha > 0) {
            cutmix = g.nextDouble() < switchProb;
        } else {
            cutmix = cutmixAlpha > 0;
        }
        double alpha = cutmix ? cutmixAlpha : mixupAlpha;
        return new Params(g.nextBeta(alpha, alpha), cutmix);
    }

    /**
     * timm's {@code rand_bbox} with margin 0, given the centre.
     *
     * @param height H
     * @param width W
     * @param lam the sampled lam in [0, 1]
     * @param cy centre row, 0..H−1
     * @param cx centre column, 0..W−1
     * @return the clipped box
     */
    public static Box cutmixBox(int height, int width, double lam, int cy, int cx) {
        double ratio = Math.sqrt(1 - lam);
        int cutH = (int) (height * ratio);
        int cutW = (int) (width * ratio);
        return new Box(clip(cy - cutH / 2, height), clip(cy + cutH / 2, height), clip(cx - cutW / 2, width),
                clip(cx + cutW / 2, width));
    }

    private static int clip(int v, int hi) {
        return Math.max(0, Math.min(hi, v));
    }

    /**
     * timm's {@code rand_bbox}: draws the centre (row, then column) and builds the box.
     *
     * @param height H
     * @param width W
     * @param lam the sampled lam
     * @param g the generator; two ints are drawn
     * @return the clipped box
     */
    public static Box randBbox(int height, int width, double lam, Generator g) {
        int cy = g.nextInt(height);
        int cx = g.nextInt(width);
        return cutmixBox(height, width, lam, cy, cx);
    }

    /**
     * Mixes a batch with freshly drawn parameters ({@code Mixup.__call__} in batch mode).
     *
     * @param images [B, C, H, W], B even
     * @param labels [B] class indices (as floats, like {@link Batch#labels()})
     * @param g the batch's generator
     * @return mixed images and soft targets [B, K] on the images' device
     * @throws IllegalArgumentException if the shapes disagree, B is odd, or a label is not an
     *     integer in [0, K)
     */
    public Mixed apply(Tensor images, Tensor labels, Generator g) {
        check(images, labels);
        Params p = sampleParams(g);
        Box box = null;
        if (p.lam() != 1.0 && p.cutmix()) {
            box = randBbox(images.size(2), images.size(3), p.lam(), g);
        }
        return mix(images, labels, p.lam(), p.cutmix(), box);
    }

    /**
     * Mixes a batch with given parameters ({@code _mix_batch} after the draws): no change when
     * lam is 1; for CutMix, the box replaces lam by 1 − area/(H·W).
     *
     * @param images [B, C, H, W], B even
     * @param labels [B] class indices
     * @param lam the sampled lam
     * @param cutmix whether to cut and paste instead of blending
     * @param box the CutMix box (ignored for Mixup)
     * @return the mixed batch
     * @throws IllegalArgumentException as {@link #apply}, or if cutmix is chosen without a box
     */
    public Mixed mix(Tensor images, Tensor labels, double lam, boolean cutmix, Box box) {
        check(images, labels);
        Tensor out = images;
        double used = lam;
        if (lam != 1.0) {
            int b = images.size(0);
            float[] rev = new float[b];
            for (int i = 0; i < b; i++) {
                rev[i] = b - 1 - i;
            }
            Tensor flipped = images.indexSelect(0, Tensor.of(images.device(), rev, b));
            if (cutmix) {
                if (box == null) {
                    throw new IllegalArgumentException("Mixup.mix: CutMix needs a box");
                }
                int h = images.size(2);
                int w = images.size(3);
                float[] inBox = new float[h * w];
                for (int y = box.top(); y < box.bottom(); y++) {
                    Arrays.fill(inBox, y * w + box.left(), y * w + box.right(), 1f);
                }
                out = Tensor.where(Tensor.of(images.device(), inBox, 1, 1, h, w), flipped, images);
                used = 1.0 - box.area() / (double) (h * w);
            } else {
                out = images.mul((float) lam).add(flipped.mul((float) (1.0 - lam)));
            }
        }
        return new Mixed(out, mixupTarget(labels, numClasses, used, labelSmoothing), used, cutmix && lam != 1.0,
                cutmix && lam != 1.0 ? box : null);
    }

    /**
     * timm's {@code mixup_target}: smoothed one-hot rows mixed with those of the flipped batch.
     *
     * @param labels [B] class indices
     * @param numClasses K
     * @param lam the weight of each row's own label
     * @param smoothing ε
     * @return [B, K] on the labels' device
     * @throws IllegalArgumentException if a label is not an integer in [0, K)
     */
    public static Tensor mixupTarget(Tensor labels, int numClasses, double lam, double smoothing) {
        float[] y = labels.toArray();
        int b = y.length;
        float off = (float) (smoothing / numClasses);
        float on = (float) (1.0 - smoothing + smoothing / numClasses);
        float lamF = (float) lam;
        float restF = (float) (1.0 - lam);
        float[] t = new float[b * numClasses];
        for (int i = 0; i < b; i++) {
            int own = classOf(y[i], numClasses);
            int other = classOf(y[b - 1 - i], numClasses);
            for (int k = 0; k < numClasses; k++) {
                float v1 = k == own ? on : off;
                float v2 = k == other ? on : off;
                t[i * numClasses + k] = v1 * lamF + v2 * restF;
            }
        }
        return Tensor.of(labels.device(), t, b, numClasses);
    }

    private static int classOf(float label, int numClasses) {
        if (label != Math.rint(label) || label < 0 || label >= numClasses) {
            throw new IllegalArgumentException("Mixup: expected class indices in [0, " + numClasses + "), got " + label
                    + "; hint: num_classes must match the dataset");
        }
        return (int) label;
    }

    private static void check(Tensor images, Tensor labels) {
        if (images.ndim() != 4 || labels.ndim() != 1 || labels.size(0) != images.size(0)) {
            throw new IllegalArgumentException("Mixup: expected images [B, C, H, W] and labels [B], got "
                    + Arrays.toString(images.shape()) + " and " + Arrays.toString(labels.shape()));
        }
        if (images.size(0) % 2 != 0) {
            throw new IllegalArgumentException("Mixup: expected an even batch size, got " + images.size(0)
                    + "; hint: use drop_last for training batches (timm asserts this too)");
        }
    }

    /** @return K */
    public int numClasses() {
        return numClasses;
    }

    /** @return the label smoothing ε */
    public double labelSmoothing() {
        return labelSmoothing;
    }

    @Override
    public String toString() {
        return "Mixup(mixup_alpha=" + mixupAlpha + ", cutmix_alpha=" + cutmixAlpha + ", prob=" + prob + ", switch_prob="
                + switchProb + ", mode=batch, label_smoothing=" + labelSmoothing + ", num_classes=" + numClasses + ")";
    }
}
