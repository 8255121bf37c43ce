package dev.jmae.crossmae.data;

import dev.jmae.tensor.Generator;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RandAugment's policy (config parsing, op lists, level-to-argument values, draws) and the ops'
 * properties on "L" and "RGB" images: deterministic under a seed, shape kept, identity at
 * magnitude 0 exactly where timm's ops are. Pixel values are checked against Pillow in
 * {@link AugmentOpsGoldenTest}.
 */
class RandAugmentTest {

    static Image random(long seed, int c, int h, int w) {
        Generator g = new Generator(seed);
        byte[] p = new byte[c * h * w];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) g.nextInt(256);
        }
        return new Image(c, h, w, p);
    }

    /**
     * A low-contrast random image (values 90..140): every op of the lists changes it at magnitude 9
     * (equalize needs more than 255 pixels per channel, else Pillow leaves it alone).
     */
    static Image dim(long seed, int c, int h, int w) {
        Generator g = new Generator(seed);
        byte[] p = new byte[c * h * w];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) (90 + g.nextInt(51));
        }
        return new Image(c, h, w, p);
    }

    @Test
    void parsesTheFinetuneConfigLikeTimm() {
        RandAugment.Config c = RandAugment.Config.parse("rand-m9-mstd0.5-inc1");
        assertEquals(new RandAugment.Config(9, 0.5, 10, 2, 0.5, true), c);
        assertEquals(new RandAugment.Config(10, 0, 10, 2, 0.5, false), RandAugment.Config.parse("rand"));
        assertEquals(new RandAugment.Config(7, Double.POSITIVE_INFINITY, 12, 3, 0.8, false),
                RandAugment.Config.parse("rand-m7-n3-mstd101-mmax12-p0.8"));
        // timm reads 'inc' with bool(val), which is true for the string "0" as well
        assertTrue(RandAugment.Config.parse("rand-inc0").increasing());
        assertThrows(IllegalArgumentException.class, () -> RandAugment.Config.parse("augmix-m9"));
        assertThrows(IllegalArgumentException.class, () -> RandAugment.Config.parse("rand-q3"));
        assertThrows(IllegalArgumentException.class, () -> RandAugment.Config.parse("rand-tweights"));
        RandAugment ra = RandAugment.of("rand-m9-mstd0.5-inc1", new int[] {124, 116, 104}, Geometry.Resample.BICUBIC);
        assertEquals(RandAugment.RAND_INCREASING_TRANSFORMS, ra.ops());
        assertEquals(15, ra.ops().size());
        assertEquals(
                List.of("AutoContrast", "Equalize", "Invert", "Rotate", "PosterizeIncreasing", "SolarizeIncreasing",
                        "SolarizeAdd", "ColorIncreasing", "ContrastIncreasing", "BrightnessIncreasing",
                        "SharpnessIncreasing",
                        "ShearX", "ShearY", "TranslateXRel", "TranslateYRel"),
                ra.ops().stream().map(RandAugment.Op::timmName).toList());
    }

    @Test
    void levelArgumentsAtMagnitudeNineAndTen() {
        // timm's level functions, by hand: level = m / 10
        assertEquals(27.0, RandAugment.Op.ROTATE.args(9, false), 1e-12);
        assertEquals(-27.0, RandAugment.Op.ROTATE.args(9, true), 1e-12);
        assertEquals(1, RandAugment.Op.POSTERIZE_INCREASING.args(9, false));   // 4 - int(3.6)
        assertEquals(0, RandAugment.Op.POSTERIZE_INCREASING.args(10, false));  // 4 - 4
        assertEquals(26, RandAugment.Op.SOLARIZE_INCREASING.args(9, false));   // 256 - int(230.4)
        assertEquals(99, RandAugment.Op.SOLARIZE_ADD.args(9, false));          // int(99.0)
        assertEquals(110, RandAugment.Op.SOLARIZE_ADD.args(10, false));
        assertEquals(1.81, RandAugment.Op.CONTRAST_INCREASING.args(9, false), 1e-12);
        assertEquals(0.19, RandAugment.Op.CONTRAST_INCREASING.args(9, true), 1e-12);
        assertEquals(0.1, RandAugment.Op.COLOR_INCREASING.args(10, true), 1e-12, "kept >= 0.1");
        assertEquals(0.27, RandAugment.Op.SHEAR_X.args(9, false), 1e-12);
        assertEquals(-0.405, RandAugment.Op.TRANSLATE_Y_REL.args(9, true), 1e-12);
        assertEquals(1.72, RandAugment.Op.SHARPNESS.args(9, false), 1e-12);    // 0.9 * 1.8 + 0.1
        assertEquals(230, RandAugment.Op.SOLARIZE.args(9, false));
        assertEquals(3, RandAugment.Op.POSTERIZE.args(9, false));
        assertTrue(Double.isNaN(RandAugment.Op.EQUALIZE.args(9, false)));
        assertArrayEquals(new int[] {124, 116, 104}, RandAugment.fillFromMean(new double[] {0.485, 0.456, 0.406}));
        assertArrayEquals(new int[] {73}, RandAugment.fillFromMean(new double[] {0.2860}));
    }

    @Test
    void identityAtMagnitudeZeroWhereTimmsOpIs() {
        Set<RandAugment.Op> identity = EnumSet.of(RandAugment.Op.ROTATE, RandAugment.Op.SOLARIZE_INCREASING,
                RandAugment.Op.SOLARIZE_ADD, RandAugment.Op.COLOR_INCREASING, RandAugment.Op.CONTRAST_INCREASING,
                RandAugment.Op.BRIGHTNESS_INCREASING, RandAugment.Op.SHARPNESS_INCREASING, RandAugment.Op.SHEAR_X,
                RandAugment.Op.SHEAR_Y, RandAugment.Op.TRANSLATE_X_REL, RandAugment.Op.TRANSLATE_Y_REL);
        for (int c : new int[] {1, 3}) {
            Image img = dim(c, c, 24, 30);
            int[] fill = c == 1 ? new int[] {0} : new int[] {0, 0, 0};
            for (RandAugment.Op op : RandAugment.Op.values()) {
                for (boolean negate : new boolean[] {false, true}) {
                    for (Geometry.Resample r : Geometry.Resample.values()) {
                        Image out = op.apply(img, op.args(0, negate), fill, r);
                        assertEquals(img.channels(), out.channels());
                        boolean colorOnGray = c == 1
                                && (op == RandAugment.Op.COLOR || op == RandAugment.Op.COLOR_INCREASING);
                        if (identity.contains(op) || colorOnGray) {
                            // (Color blends an L image with itself: always an identity, as in Pillow)
                            assertEquals(img, out,
                                    op + " at magnitude 0 (C = " + c + ", " + r + ", negate " + negate + ")");
                        } else {
                            // autocontrast/equalize/invert/posterize (4 or 0 bits)/solarize (threshold 0)/enhance (0.1)
                            assertNotEquals(img, out, op + " changes a low-contrast image at magnitude 0");
                        }
                    }
                }
            }
        }
    }

    @Test
    void deterministicUnderASeedShapeKeptAndSomethingHappens() {
        for (int c : new int[] {1, 3}) {
            int[] fill = c == 1 ? new int[] {73} : new int[] {124, 116, 104};
            RandAugment ra = RandAugment.of("rand-m9-mstd0.5-inc1", fill, Geometry.Resample.BICUBIC);
            RandAugment randomInterp = RandAugment.of("rand-m9-mstd0.5-inc1", fill, null);
            Image img = dim(10 + c, c, 16, 16);
            int changed = 0;
            for (int s = 0; s < 200; s++) {
                Image a = ra.apply(img, new Generator(s));
                assertEquals(a, ra.apply(img, new Generator(s)), "same seed, same result");
                assertEquals(c, a.channels());
                assertEquals(16, a.height());
                assertEquals(16, a.width());
                changed += a.equals(img) ? 0 : 1;
                Image b = randomInterp.apply(img, new Generator(s));
                assertEquals(b, randomInterp.apply(img, new Generator(s)));
            }
            // both ops skipped with probability 1/4 (Color also leaves an L image alone): 150 expected, sd 6
            assertTrue(changed > 120 && changed < 180, "images changed: " + changed + " of 200");
        }
    }

    @Test
    void eachOpIsAppliedWithProbabilityOneHalf() {
        // one op per image on a low-contrast RGB image, which every op of the list changes at m ~ 9
        RandAugment ra = new RandAugment(new RandAugment.Config(9, 0.5, 10, 1, 0.5, true), new int[] {124, 116, 104},
                Geometry.Resample.BICUBIC);
        Image img = dim(3, 3, 24, 24);
        int n = 4000;
        int changed = 0;
        for (int s = 0; s < n; s++) {
            changed += ra.apply(img, new Generator(1000 + s)).equals(img) ? 0 : 1;
        }
        // so the share of changed images is the application probability, 0.5, within 5 sigma
        assertEquals(0.5, changed / (double) n, 5 * Math.sqrt(0.25 / n));
    }

    @Test
    void rejectsAFillOfTheWrongChannelCount() {
        RandAugment ra = RandAugment.of("rand-m9-mstd0.5-inc1", new int[] {124, 116, 104}, Geometry.Resample.BICUBIC);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ra.apply(random(1, 1, 8, 8),
                new Generator(0)));
        assertTrue(e.getMessage().contains("hint"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new RandAugment(RandAugment.Config.parse("rand"), new int[] {300},
                        null));
        Image img = random(2, 1, 5, 5);
        assertSame(img, RandAugment.Op.POSTERIZE.apply(img, 8, new int[] {0}, Geometry.Resample.BICUBIC),
                "8 bits: unchanged");
        assertFalse(ra.toString().isEmpty());
    }
}
