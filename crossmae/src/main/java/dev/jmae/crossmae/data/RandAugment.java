package dev.jmae.crossmae.data;

import dev.jmae.tensor.Generator;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * timm's RandAugment (timm 0.9.7 {@code timm/data/auto_augment.py}: {@code rand_augment_transform},
 * {@code RandAugment}, {@code AugmentOp}), as the fine-tuning recipe configures it with
 * {@code --aa rand-m9-mstd0.5-inc1}: per image, {@code numLayers} ops are chosen uniformly with
 * replacement from the transform list; each is applied with probability {@code prob} (skipped when
 * u &gt; prob), at a magnitude drawn from N(m, mstd) (uniform on [0, m] when mstd is infinite),
 * clipped to [0, mmax or 10], and turned into the op's argument by timm's level functions
 * ({@link Op#args}). Ops act on 8-bit "L" or "RGB" images as Pillow 9.4 does ({@link ImageOps},
 * {@link ImageEnhance}, {@link Geometry}); geometric ops fill with the dataset mean in 0..255
 * ({@code img_mean}) and resample with the pipeline's interpolation (bicubic in fine-tuning, since
 * {@code build_transform} passes {@code interpolation='bicubic'}; timm picks bilinear or bicubic at
 * random per op only when no interpolation is given).
 *
 * <p>Draws per image, in order: the op indices (one int each), then per op: the probability
 * uniform, the magnitude Gaussian, the sign uniform (ops with a signed argument: applied negated
 * when u &gt; 0.5), the interpolation choice (random interpolation only). The numbers differ from
 * Python's {@code random}/numpy streams; the distributions do not.
 */
public final class RandAugment implements Transform {

    /** timm's level denominator: magnitude 10 is the strongest setting. */
    public static final double LEVEL_DENOM = 10.0;

    /** The ops, with timm's names and level-to-argument functions. */
    public enum Op {
        /** {@code ImageOps.autocontrast}; no argument. */
        AUTO_CONTRAST("AutoContrast"),
        /** {@code ImageOps.equalize}; no argument. */
        EQUALIZE("Equalize"),
        /** {@code ImageOps.invert}; no argument. */
        INVERT("Invert"),
        /** Rotate by ±(m/10)·30 degrees. */
        ROTATE("Rotate"),
        /** Keep int((m/10)·4) bits (8 or more: unchanged). */
        POSTERIZE("Posterize"),
        /** Keep 4 − int((m/10)·4) bits. */
        POSTERIZE_INCREASING("PosterizeIncreasing"),
        /** Solarize at threshold min(256, int((m/10)·256)). */
        SOLARIZE("Solarize"),
        /** Solarize at threshold 256 − min(256, int((m/10)·256)). */
        SOLARIZE_INCREASING("SolarizeIncreasing"),
        /** Add min(128, int((m/10)·110)) below 128. */
        SOLARIZE_ADD("SolarizeAdd"),
        /** Color factor (m/10)·1.8 + 0.1. */
        COLOR("Color"),
        /** Color factor max(0.1, 1 ± (m/10)·0.9). */
        COLOR_INCREASING("ColorIncreasing"),
        /** Contrast factor (m/10)·1.8 + 0.1. */
        CONTRAST("Contrast"),
        /** Contrast factor max(0.1, 1 ± (m/10)·0.9). */
        CONTRAST_INCREASING("ContrastIncreasing"),
        /** Brightness factor (m/10)·1.8 + 0.1. */
        BRIGHTNESS("Brightness"),
        /** Brightness factor max(0.1, 1 ± (m/10)·0.9). */
        BRIGHTNESS_INCREASING("BrightnessIncreasing"),
        /** Sharpness factor (m/10)·1.8 + 0.1. */
        SHARPNESS("Sharpness"),
        /** Sharpness factor max(0.1, 1 ± (m/10)·0.9). */
        SHARPNESS_INCREASING("SharpnessIncreasing"),
        /** Shear x by ±(m/10)·0.3: affine (1, f, 0, 0, 1, 0). */
        SHEAR_X("ShearX"),
        /** Shear y by ±(m/10)·0.3: affine (1, 0, 0, f, 1, 0). */
        SHEAR_Y("ShearY"),
        /** Translate x by ±(m/10)·0.45 of the width: affine (1, 0, px, 0, 1, 0). */
        TRANSLATE_X_REL("TranslateXRel"),
        /** Translate y by ±(m/10)·0.45 of the height: affine (1, 0, 0, 0, 1, px). */
        TRANSLATE_Y_REL("TranslateYRel");

        private final String timmName;

        Op(String timmName) {
            this.timmName = timmName;
        }

        /** @return timm's name of the op */
        public String timmName() {
            return timmName;
        }

        /** @return whether the level function draws a random sign ({@code _randomly_negate}) */
        public boolean signed() {
            return switch (this) {
                case ROTATE, SHEAR_X, SHEAR_Y, TRANSLATE_X_REL, TRANSLATE_Y_REL, COLOR_INCREASING, CONTRAST_INCREASING,
                        BRIGHTNESS_INCREASING, SHARPNESS_INCREASING ->
                    true;
                default -> false;
            };
        }

        /**
         * timm's level-to-argument function ({@code LEVEL_TO_ARG}) at a magnitude, with the sign
         * given ({@code _randomly_negate} negates when its uniform exceeds 0.5).
         *
         * @param magnitude the clipped magnitude, 0..10
         * @param negate whether the random sign came out negative (ignored by unsigned ops)
         * @return the argument: degrees, bits, threshold, increment, factor, shear or fraction; NaN for ops without one
         */
        public double args(double magnitude, boolean negate) {
            double level = magnitude / LEVEL_DENOM;
            double sign = negate ? -1 : 1;
            return switch (this) {
                case AUTO_CONTRAST, EQUALIZE, INVERT -> Double.NaN;
                case ROTATE -> sign * (level * 30.0);
                case POSTERIZE -> (int) (level * 4);
                case POSTERIZE_INCREASING -> 4 - (int) (level * 4);
                case SOLARIZE -> Math.min(256, (int) (level * 256));
                case SOLARIZE_INCREASING -> 256 - Math.min(256, (int) (level * 256));
                case SOLARIZE_ADD -> Math.min(128, (int) (level * 110));
                case COLOR, CONTRAST, BRIGHTNESS, SHARPNESS -> level * 1.8 + 0.1;
                case COLOR_INCREASING, CONTRAST_INCREASING, BRIGHTNESS_INCREASING, SHARPNESS_INCREASING ->
                    Math.max(0.1, 1.0 + sign * (level * 0.9));
                case SHEAR_X, SHEAR_Y -> sign * (level * 0.3);
                case TRANSLATE_X_REL, TRANSLATE_Y_REL -> sign * (level * 0.45);
            };
        }

        /**
         * Applies the op with an argument from {@link #args} (timm's {@code NAME_TO_OP} functions).
         *
         * @param in the image, [C, H, W], C = 1 or 3
         * @param arg the argument
         * @param fill the fill colour of geometric ops, one value per channel
         * @param resample the filter of geometric ops
         * @return the result
         */
        public Image apply(Image in, double arg, int[] fill, Geometry.Resample resample) {
            return switch (this) {
                case AUTO_CONTRAST -> ImageOps.autocontrast(in);
                case EQUALIZE -> ImageOps.equalize(in);
                case INVERT -> ImageOps.invert(in);
                case ROTATE -> Geometry.rotate(in, arg, resample, fill);
                case POSTERIZE, POSTERIZE_INCREASING -> arg >= 8 ? in : ImageOps.posterize(in, (int) arg);
                case SOLARIZE, SOLARIZE_INCREASING -> ImageOps.solarize(in, (int) arg);
                case SOLARIZE_ADD -> ImageOps.solarizeAdd(in, (int) arg, 128);
                case COLOR, COLOR_INCREASING -> ImageEnhance.color(in, arg);
                case CONTRAST, CONTRAST_INCREASING -> ImageEnhance.contrast(in, arg);
                case BRIGHTNESS, BRIGHTNESS_INCREASING -> ImageEnhance.brightness(in, arg);
                case SHARPNESS, SHARPNESS_INCREASING -> ImageEnhance.sharpness(in, arg);
                case SHEAR_X -> Geometry.affine(in, new double[] {1, arg, 0, 0, 1, 0}, resample, fill);
                case SHEAR_Y -> Geometry.affine(in, new double[] {1, 0, 0, arg, 1, 0}, resample, fill);
                case TRANSLATE_X_REL ->
                    Geometry.affine(in, new double[] {1, 0, arg * in.width(), 0, 1, 0}, resample, fill);
                case TRANSLATE_Y_REL ->
                    Geometry.affine(in, new double[] {1, 0, 0, 0, 1, arg * in.height()}, resample, fill);
            };
        }
    }

    /** timm's {@code _RAND_TRANSFORMS}. */
    public static final List<Op> RAND_TRANSFORMS = List.of(Op.AUTO_CONTRAST, Op.EQUALIZE, Op.INVERT, Op.ROTATE,
            Op.POSTERIZE,
            Op.SOLARIZE, Op.SOLARIZE_ADD, Op.COLOR, Op.CONTRAST, Op.BRIGHTNESS, Op.SHARPNESS, Op.SHEAR_X, Op.SHEAR_Y,
            Op.TRANSLATE_X_REL, Op.TRANSLATE_Y_REL);

    /** timm's {@code _RAND_INCREASING_TRANSFORMS} (the {@code inc1} list). */
    public static final List<Op> RAND_INCREASING_TRANSFORMS = List.of(Op.AUTO_CONTRAST, Op.EQUALIZE, Op.INVERT,
            Op.ROTATE,
            Op.POSTERIZE_INCREASING, Op.SOLARIZE_INCREASING, Op.SOLARIZE_ADD, Op.COLOR_INCREASING,
            Op.CONTRAST_INCREASING,
            Op.BRIGHTNESS_INCREASING, Op.SHARPNESS_INCREASING, Op.SHEAR_X, Op.SHEAR_Y, Op.TRANSLATE_X_REL,
            Op.TRANSLATE_Y_REL);

    /**
     * A parsed config string.
     *
     * @param magnitude m (default 10)
     * @param magnitudeStd mstd (default 0; infinite for "uniform on [0, m]", which timm uses for mstd &gt; 100)
     * @param magnitudeMax mmax, the upper clip (default 10)
     * @param numLayers n, ops per image (default 2)
     * @param prob p, the probability of each chosen op (default 0.5)
     * @param increasing whether the {@code inc} list is used
     */
    public record Config(double magnitude, double magnitudeStd, double magnitudeMax, int numLayers, double prob,
                         boolean increasing) {

        /**
         * Parses timm's config string ({@code rand_augment_transform}): "rand" then dash-separated
         * sections m&lt;int&gt;, n&lt;int&gt;, p&lt;float&gt;, mstd&lt;float&gt;, mmax&lt;int&gt;,
         * inc&lt;int&gt;. As in timm, any {@code inc} section turns the increasing list on
         * ({@code bool("0")} is true in Python), and sections without a number are ignored.
         *
         * @param config e.g. {@code rand-m9-mstd0.5-inc1}
         * @return the config
         * @throws IllegalArgumentException if the string does not start with "rand", has an
         *     unknown section, or names a transform set ({@code t...}, not supported)
         */
        public static Config parse(String config) {
            String[] parts = config.split("-");
            if (!parts[0].equals("rand")) {
                throw new IllegalArgumentException(
                        "RandAugment: expected a config starting with 'rand', got '" + config + "'");
            }
            double m = LEVEL_DENOM;
            double mstd = 0;
            double mmax = LEVEL_DENOM;
            int n = 2;
            double p = 0.5;
            boolean inc = false;
            for (int i = 1; i < parts.length; i++) {
                String c = parts[i];
                if (c.startsWith("t")) {
                    throw new IllegalArgumentException(
                            "RandAugment: transform sets ('" + c + "') are not supported; hint: "
                                    + "use the default list (inc0) or the increasing one (inc1)");
                }
                int digit = 0;
                while (digit < c.length() && !Character.isDigit(c.charAt(digit))) {
                    digit++;
                }
                if (digit == c.length()) {
                    continue;
                }
                String key = c.substring(0, digit);
                String val = c.substring(digit);
                try {
                    switch (key) {
                        case "mstd" -> {
                            mstd = Double.parseDouble(val);
                            if (mstd > 100) {
                                mstd = Double.POSITIVE_INFINITY;
                            }
                        }
                        case "mmax" -> mmax = Integer.parseInt(val);
                        case "inc" -> inc = true;
                        case "m" -> m = Integer.parseInt(val);
                        case "n" -> n = Integer.parseInt(val);
                        case "p" -> p = Double.parseDouble(val);
                        default ->
                            throw new IllegalArgumentException("RandAugment: unknown config section '" + c + "' in '"
                                    + config + "'");
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            "RandAugment: bad number in section '" + c + "' of '" + config + "'");
                }
            }
            return new Config(m, mstd, mmax, n, p, inc);
        }
    }

    private final Config config;
    private final List<Op> ops;
    private final int[] fill;
    private final Geometry.Resample resample;

    /**
     * Creates the transform.
     *
     * @param config the parsed config
     * @param fill the fill colour of geometric ops, one value per channel of the images it will see
     *     (timm: min(255, round(255·mean)) per channel; see {@link #fillFromMean})
     * @param resample the interpolation of geometric ops, or null to draw bilinear or bicubic per op
     *     (timm without an interpolation hparam)
     * @throws IllegalArgumentException if numLayers is negative, prob is outside [0, 1] or a fill value is outside 0..255
     */
    public RandAugment(Config config, int[] fill, Geometry.Resample resample) {
        if (config.numLayers() < 0 || !(config.prob() >= 0 && config.prob() <= 1)) {
            throw new IllegalArgumentException("RandAugment: expected n >= 0 and p in [0, 1], got " + config);
        }
        for (int f : fill) {
            if (f < 0 || f > 255) {
                throw new IllegalArgumentException(
                        "RandAugment: fill values must be 0..255, got " + Arrays.toString(fill));
            }
        }
        this.config = config;
        this.ops = config.increasing() ? RAND_INCREASING_TRANSFORMS : RAND_TRANSFORMS;
        this.fill = fill.clone();
        this.resample = resample;
    }

    /**
     * Creates the transform from a config string ({@link Config#parse}).
     *
     * @param config e.g. {@code rand-m9-mstd0.5-inc1}
     * @param fill the fill colour, one value per channel
     * @param resample the interpolation, or null for timm's random choice
     * @return the transform
     */
    public static RandAugment of(String config, int[] fill, Geometry.Resample resample) {
        return new RandAugment(Config.parse(config), fill, resample);
    }

    /**
     * timm's {@code img_mean} hparam: min(255, round(255·mean_c)) per channel with Python's
     * round-half-even ({@code transforms_imagenet_train}).
     *
     * @param mean the normalization mean per channel
     * @return the fill colour
     */
    public static int[] fillFromMean(double[] mean) {
        int[] fill = new int[mean.length];
        for (int i = 0; i < mean.length; i++) {
            fill[i] = (int) Math.min(255, Math.rint(255 * mean[i]));
        }
        return fill;
    }

    /**
     * Applies numLayers randomly chosen ops.
     *
     * @param in the image, [C, H, W] with C equal to the fill's length
     * @param g the sample's generator
     * @return the augmented image, same shape
     * @throws IllegalArgumentException if C differs from the fill's length or is not 1 or 3
     */
    @Override
    public Image apply(Image in, Generator g) {
        if (in.channels() != fill.length || (in.channels() != 1 && in.channels() != 3)) {
            throw new IllegalArgumentException("RandAugment: built with a fill colour for " + fill.length
                    + " channel(s), got " + in
                    + "; hint: the mean must have one value per image channel (1 for L, 3 for RGB)");
        }
        Op[] chosen = new Op[config.numLayers()];
        for (int i = 0; i < chosen.length; i++) {
            chosen[i] = ops.get(g.nextInt(ops.size()));
        }
        Image img = in;
        for (Op op : chosen) {
            img = applyOp(op, img, g);
        }
        return img;
    }

    /** {@code AugmentOp.__call__}. */
    private Image applyOp(Op op, Image img, Generator g) {
        if (config.prob() < 1.0 && g.nextDouble() > config.prob()) {
            return img;
        }
        double m = config.magnitude();
        if (config.magnitudeStd() > 0) {
            m = Double.isInfinite(config.magnitudeStd()) ? g.nextDouble() * m
                    : m + config.magnitudeStd() * g.nextGaussian();
        }
        m = Math.max(0.0, Math.min(m, config.magnitudeMax()));
        boolean negate = op.signed() && g.nextDouble() > 0.5;
        double arg = op.args(m, negate);
        Geometry.Resample r = resample != null ? resample
                : g.nextInt(2) == 0 ? Geometry.Resample.BILINEAR : Geometry.Resample.BICUBIC;
        return op.apply(img, arg, fill, r);
    }

    /** @return the parsed config */
    public Config config() {
        return config;
    }

    /** @return the ops chosen from */
    public List<Op> ops() {
        return ops;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "RandAugment(n=%d, m=%s, mstd=%s, p=%s, ops=%s, fill=%s, interpolation=%s)",
                config.numLayers(), config.magnitude(), config.magnitudeStd(), config.prob(),
                config.increasing() ? "increasing" : "default", Arrays.toString(fill),
                resample == null ? "random" : resample.name().toLowerCase(Locale.ROOT));
    }
}
