package dev.jmae.crossmae.model;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checks docs/model.md §20 asks of a port: positional table, masking counts, loss sanity. */
class SpecChecksTest {

    @Test
    void sincosTableMatchesTheSpecTestVector() {
        // docs/model.md §5, D = 8, g = 2; rows cls, (0,0), (0,1), (1,0), (1,1); values printed to 6 decimals
        float[] t = PosEmbed.sincos2d(8, 2);
        float[] s = {0.841471f, 0.010000f, 0.540302f, 0.999950f};
        float[] z = {0, 0, 1, 1};
        float[][] rows = {
            {0, 0, 0, 0, 0, 0, 0, 0},
            {z[0], z[1], z[2], z[3], z[0], z[1], z[2], z[3]},
            {s[0], s[1], s[2], s[3], z[0], z[1], z[2], z[3]},
            {z[0], z[1], z[2], z[3], s[0], s[1], s[2], s[3]},
            {s[0], s[1], s[2], s[3], s[0], s[1], s[2], s[3]}};
        for (int r = 0; r < 5; r++) {
            float[] row = java.util.Arrays.copyOfRange(t, r * 8, r * 8 + 8);
            assertArrayEquals(rows[r], row, 5e-7f, "row " + r);
        }
        // E = 768, g = 14: row 2 (patch (0,1)) starts 0.841471, 0.815251, 0.788593, 0.761720
        float[] big = PosEmbed.sincos2d(768, 14);
        assertArrayEquals(new float[] {0.841471f, 0.815251f, 0.788593f, 0.761720f},
                java.util.Arrays.copyOfRange(big, 2 * 768, 2 * 768 + 4), 5e-7f);
    }

    @Test
    void maskingCountsMatchTheSpecTable() {
        // L, p, gamma -> keep, skipped, predicted (docs/model.md §6)
        double[][] table = {
            {196, 0.75, 0.75, 49, 0, 147}, {196, 0.75, 0.25, 49, 98, 49}, {196, 0.75, 0.15, 49, 117, 30},
            {196, 0.65, 0.25, 68, 78, 50}, {196, 0.85, 0.25, 29, 117, 50}, {256, 0.75, 0.75, 64, 0, 192},
            {256, 0.75, 0.25, 64, 128, 64}, {784, 0.75, 0.25, 196, 392, 196}};
        for (double[] row : table) {
            int l = (int) row[0];
            Tensor noise = Tensor.rand(new Generator(l), 2, l);
            Masking m = Masking.fromNoise(noise, row[1], row[2]);
            String what = "L " + l + " p " + row[1] + " gamma " + row[2];
            assertEquals((int) row[3], m.lenKeep(), what);
            assertEquals((int) row[5], m.numPredicted(), what);
            assertEquals((int) row[5], (int) m.maskPred().sum(1, false).toArray()[0], what);
            assertEquals(l - (int) row[3], (int) m.maskFull().sum(1, false).toArray()[1], what);
        }
    }

    @Test
    void visibleSkippedAndPredictedSetsAreDisjointAndCoverEveryPatch() {
        for (long seed = 0; seed < 20; seed++) {
            int l = 49;
            Masking m = Masking.fromNoise(Tensor.rand(new Generator(seed), 3, l), 0.75, 0.25);
            float[] keep = m.idsKeep().toArray();
            float[] pred = m.idsPred().toArray();
            float[] full = m.maskFull().toArray();
            float[] mp = m.maskPred().toArray();
            for (int s = 0; s < 3; s++) {
                Set<Integer> visible = new HashSet<>();
                for (int k = 0; k < m.lenKeep(); k++) {
                    visible.add((int) keep[s * m.lenKeep() + k]);
                }
                Set<Integer> predicted = new HashSet<>();
                int last = -1;
                for (int k = 0; k < m.numPredicted(); k++) {
                    int idx = (int) pred[s * m.numPredicted() + k];
                    assertTrue(idx > last, "predicted indices ascend");
                    last = idx;
                    predicted.add(idx);
                }
                assertEquals(m.lenKeep(), visible.size());
                assertEquals(m.numPredicted(), predicted.size());
                int skipped = 0;
                for (int i = 0; i < l; i++) {
                    boolean v = visible.contains(i);
                    boolean p = predicted.contains(i);
                    assertTrue(!(v && p), "visible and predicted overlap at " + i);
                    assertEquals(v ? 0f : 1f, full[s * l + i]);
                    assertEquals(p ? 1f : 0f, mp[s * l + i]);
                    if (!v && !p) {
                        skipped++;
                    }
                }
                assertEquals(l - m.lenKeep() - m.numPredicted(), skipped);
            }
        }
    }

    @Test
    void anAllZeroPredictionGivesTheNormPixLossFormula() {
        // docs/model.md §20: per patch ((P-1)/P)·σ²/(σ² + 1e-6), σ² the unbiased variance; averaged over patches
        Tensor patches = Tensor.randn(new Generator(3), 4, 6, 768).mul(0.01f);
        Tensor normalized = Patches.normalizePerPatch(patches);
        double loss = normalized.square().mean().item();
        float[] v = patches.var(-1, 1, false).toArray();
        double expected = 0;
        for (float s2 : v) {
            expected += (767.0 / 768.0) * s2 / (s2 + 1e-6);
        }
        expected /= v.length;
        assertEquals(expected, loss, 1e-5);
        // close to 0.9987 for unit-variance patches
        assertEquals(767.0 / 768 / (1 + 1e-6),
                Patches.normalizePerPatch(Tensor.randn(new Generator(4), 2, 3, 768)).square().mean().item(), 2e-6);
    }

    @Test
    void patchifyUsesRowColumnChannelOrderAndUnpatchifyInvertsIt() {
        Tensor images = Tensor.arange(Device.CPU, 0, 2 * 3 * 4 * 4, 1).reshape(2, 3, 4, 4);
        Tensor p = Patches.patchify(images, 2);
        assertArrayEquals(new int[] {2, 4, 12}, p.shape());
        // patch 1 = (row 0, col 1) of image 0: element (i, j, ch) = image[ch, i, 2 + j]
        float[] patch = p.select(0, 0).select(0, 1).toArray();
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                for (int ch = 0; ch < 3; ch++) {
                    assertEquals(images.get(0, ch, i, 2 + j), patch[(i * 2 + j) * 3 + ch]);
                }
            }
        }
        assertArrayEquals(images.toArray(), Patches.unpatchify(p, 2, 3).toArray());
    }
}
