package dev.jmae.crossmae.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jmae.nn.testing.GoldenFile;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mixup/CutMix against timm 0.9.7's {@code Mixup._mix_batch} and {@code mixup_target} run in
 * PyTorch with the randomness passed as data ({@code tools/golden/make_finetune_fixtures.py}):
 * images bit for bit, targets within 1e-7; plus properties under random draws: images and
 * targets mixed by the same lam, CutMix lam equal to 1 − box area/image area after clipping,
 * targets summing to 1, determinism under a seed, and the method/probability split.
 */
class MixupTest {

    private static final Device D = Device.CPU;

    @Test
    void fixedLamMatchesTimmInPyTorch() {
        for (Device device : List.of(Device.CPU, Device.REFERENCE)) {
            GoldenFile f = GoldenFile.load("/golden/mixup.safetensors", device);
            int k = Integer.parseInt(f.metadata().get("num_classes"));
            double smoothing = Double.parseDouble(f.metadata().get("smoothing"));
            Mixup m = new Mixup(0.8, 1.0, 1.0, 0.5, smoothing, k);
            Tensor x = f.get("x");
            Tensor y = f.get("target");

            Mixup.Mixed mixed = m.mix(x, y, Double.parseDouble(f.metadata().get("mixup_lam")), false, null);
            assertArrayEquals(f.get("mixup.x").toArray(), mixed.images().toArray(), "mixup images on " + device);
            f.assertMatches("mixup.target", mixed.targets(), 1e-7);

            double lamSampled = Double.parseDouble(f.metadata().get("cutmix_lam_sampled"));
            Mixup.Box box = Mixup.cutmixBox(x.size(2), x.size(3), lamSampled,
                    Integer.parseInt(f.metadata().get("cutmix_cy")),
                    Integer.parseInt(f.metadata().get("cutmix_cx")));
            JsonNode want = f.json("cutmix_box");
            assertEquals(
                    new Mixup.Box(want.get(0).asInt(), want.get(1).asInt(), want.get(2).asInt(), want.get(3).asInt()),
                    box);
            Mixup.Mixed cut = m.mix(x, y, lamSampled, true, box);
            assertEquals(Double.parseDouble(f.metadata().get("cutmix_lam")), cut.lam(), 1e-15);
            assertArrayEquals(f.get("cutmix.x").toArray(), cut.images().toArray(), "cutmix images on " + device);
            f.assertMatches("cutmix.target", cut.targets(), 1e-7);
        }
    }

    private static Tensor labels(int... ys) {
        float[] v = new float[ys.length];
        for (int i = 0; i < ys.length; i++) {
            v[i] = ys[i];
        }
        return Tensor.of(D, v, ys.length);
    }

    @Test
    void imagesAndTargetsAreMixedByTheSameLam() {
        int b = 6;
        int c = 2;
        int h = 9;
        int w = 7;
        Tensor x = Tensor.randn(new Generator(1), b, c, h, w).to(D);
        Tensor y = labels(0, 1, 2, 3, 4, 0);
        float[] xs = x.toArray();
        Mixup m = new Mixup(0.8, 1.0, 1.0, 0.5, 0.0, 5);
        int mixups = 0;
        int cutmixes = 0;
        for (int trial = 0; trial < 40; trial++) {
            Mixup.Mixed r = m.apply(x, y, new Generator(100 + trial));
            float[] out = r.images().toArray();
            float[] t = r.targets().toArray();
            int plane = h * w;
            for (int i = 0; i < b; i++) {
                int j = b - 1 - i;
                int own = (int) y.toArray()[i];
                int other = (int) y.toArray()[j];
                // with smoothing 0 the target puts lam on the own class and 1 - lam on the partner's
                float expectOwn = own == other ? 1f : (float) r.lam();
                assertEquals(expectOwn, t[i * 5 + own], 1e-6, "own-class weight");
                if (r.cutmix()) {
                    Mixup.Box box = r.box();
                    int fromPartner = 0;
                    for (int ch = 0; ch < c; ch++) {
                        for (int yy = 0; yy < h; yy++) {
                            for (int xx = 0; xx < w; xx++) {
                                int at = ((i * c + ch) * h + yy) * w + xx;
                                boolean inside = yy >= box.top() && yy < box.bottom() && xx >= box.left()
                                        && xx < box.right();
                                float expected = inside ? xs[((j * c + ch) * h + yy) * w + xx] : xs[at];
                                assertEquals(expected, out[at], 0f);
                                fromPartner += inside ? 1 : 0;
                            }
                        }
                    }
                    // the share of pixels taken from the partner is exactly 1 - lam
                    assertEquals(1 - r.lam(), fromPartner / (double) (c * plane), 1e-12);
                } else {
                    for (int e = 0; e < c * plane; e++) {
                        float expected = xs[i * c * plane + e] * (float) r.lam()
                                + xs[j * c * plane + e] * (float) (1 - r.lam());
                        assertEquals(expected, out[i * c * plane + e], 0f);
                    }
                }
            }
            if (r.cutmix()) {
                cutmixes++;
            } else {
                mixups++;
            }
        }
        assertTrue(mixups > 5 && cutmixes > 5, "both methods drawn: " + mixups + " mixup, " + cutmixes + " cutmix");
    }

    @Test
    void cutmixLamIsOneMinusTheClippedBoxArea() {
        Generator g = new Generator(3);
        int clipped = 0;
        for (int trial = 0; trial < 2000; trial++) {
            double lam = g.nextBeta(1, 1);
            int h = 1 + g.nextInt(40);
            int w = 1 + g.nextInt(40);
            Mixup.Box box = Mixup.randBbox(h, w, lam, g);
            assertTrue(0 <= box.top() && box.top() <= box.bottom() && box.bottom() <= h, box.toString());
            assertTrue(0 <= box.left() && box.left() <= box.right() && box.right() <= w, box.toString());
            int cutH = (int) (h * Math.sqrt(1 - lam));
            int cutW = (int) (w * Math.sqrt(1 - lam));
            assertTrue(box.bottom() - box.top() <= cutH && box.right() - box.left() <= cutW,
                    "never larger than the cut");
            if (box.bottom() - box.top() < 2 * (cutH / 2) || box.right() - box.left() < 2 * (cutW / 2)) {
                clipped++;
            }
        }
        assertTrue(clipped > 100, "the border clips many boxes: " + clipped);
        Tensor x = Tensor.randn(new Generator(4), 4, 1, 10, 10).to(D);
        Mixup.Mixed r = new Mixup(0.8, 1.0, 1.0, 0.5, 0.1, 3).mix(x, labels(0, 1, 2, 0), 0.5, true,
                Mixup.cutmixBox(10, 10, 0.5, 0, 9));
        // cut 7x7 centred on (0, 9): rows clip(-3)..3, columns 6..clip(12) = 10, area 3*4
        assertEquals(new Mixup.Box(0, 3, 6, 10), r.box());
        assertEquals(1 - 12 / 100.0, r.lam(), 1e-15);
    }

    @Test
    void softTargetsSumToOneWithTheSmoothedValues() {
        Tensor y = labels(2, 0, 1, 2);
        Tensor t = Mixup.mixupTarget(y, 4, 0.7, 0.1);
        float[] v = t.toArray();
        assertArrayEquals(new int[] {4, 4}, t.shape());
        for (int i = 0; i < 4; i++) {
            double s = 0;
            for (int k = 0; k < 4; k++) {
                s += v[i * 4 + k];
            }
            assertEquals(1.0, s, 1e-6, "row " + i);
        }
        // row 0: own class 2 and partner (row 3) class 2: on = 1 - 0.1 + 0.025 everywhere mixed with itself
        assertEquals(0.925f, v[2], 1e-6f);
        assertEquals(0.025f, v[0], 1e-6f);
        // row 1: own 0 (lam 0.7), partner row 2 class 1 (0.3)
        assertEquals(0.7 * 0.925 + 0.3 * 0.025, v[4], 1e-6);
        assertEquals(0.3 * 0.925 + 0.7 * 0.025, v[5], 1e-6);
        assertEquals(0.025, v[6], 1e-6);
    }

    @Test
    void deterministicUnderASeedAndRespectsProb() {
        Tensor x = Tensor.randn(new Generator(5), 4, 3, 6, 6).to(D);
        Tensor y = labels(0, 1, 2, 3);
        Mixup m = Mixup.finetuneDefaults(4);
        Mixup.Mixed a = m.apply(x, y, new Generator(77));
        Mixup.Mixed b = m.apply(x, y, new Generator(77));
        assertEquals(a.lam(), b.lam());
        assertArrayEquals(a.images().toArray(), b.images().toArray());
        assertArrayEquals(a.targets().toArray(), b.targets().toArray());

        Mixup never = new Mixup(0.8, 1.0, 0.0, 0.5, 0.1, 4);
        Mixup.Mixed r = never.apply(x, y, new Generator(6));
        assertEquals(1.0, r.lam());
        assertFalse(r.cutmix());
        assertNull(r.box());
        assertArrayEquals(x.toArray(), r.images().toArray());
        // prob 1, switch 0.5: over many batches about half are CutMix, lam has the Beta means
        Generator g = new Generator(8);
        int cut = 0;
        int n = 20000;
        double lamMix = 0;
        double lamCut = 0;
        for (int i = 0; i < n; i++) {
            Mixup.Params p = m.sampleParams(g);
            if (p.cutmix()) {
                cut++;
                lamCut += p.lam();
            } else {
                lamMix += p.lam();
            }
        }
        assertEquals(0.5, cut / (double) n, 5 * Math.sqrt(0.25 / n));
        // Beta(a, a) has mean 1/2 and variance 1/(4(2a+1)): 1/10.4 for a = 0.8, 1/12 for a = 1
        assertEquals(0.5, lamMix / (n - cut), 5 * Math.sqrt(1 / 10.4 / (n - cut)));
        assertEquals(0.5, lamCut / cut, 5 * Math.sqrt(1 / 12.0 / cut));
    }

    @Test
    void rejectsBadInput() {
        Mixup m = Mixup.finetuneDefaults(3);
        Tensor x = Tensor.zeros(D, 3, 1, 4, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.apply(x, labels(0, 1, 2), new Generator(1)));
        assertTrue(e.getMessage().contains("even batch size"), e.getMessage());
        Tensor x2 = Tensor.zeros(D, 2, 1, 4, 4);
        e = assertThrows(IllegalArgumentException.class, () -> m.mix(x2, labels(0, 3), 0.5, false, null));
        assertTrue(e.getMessage().contains("[0, 3)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.apply(x2, labels(0, 1, 2), new Generator(1)));
        assertThrows(IllegalArgumentException.class, () -> new Mixup(0, 0, 1, 0.5, 0.1, 3));
        assertThrows(IllegalArgumentException.class, () -> new Mixup(0.8, 1, 1.5, 0.5, 0.1, 3));
    }
}
