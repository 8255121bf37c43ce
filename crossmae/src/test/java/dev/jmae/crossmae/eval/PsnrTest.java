package dev.jmae.crossmae.eval;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The norm-pix baselines on a hand-computed 4×4 image with 2×2 patches, patches 1 (top right) and
 * 2 (bottom left) masked. In 0-255 units the patches are 50 (visible), [10 20; 30 40],
 * [100 100; 100 104] and 200 (visible); 0.25 is added to every value so truncation to int is
 * exact whatever the float rounding.
 */
class PsnrTest {

    private static final Device D = Device.CPU;
    private static final float[] PIXELS = {
        50, 50, 10, 20,
        50, 50, 30, 40,
        100, 100, 200, 200,
        100, 104, 200, 200};
    private static final float[] MASK = {
        0, 0, 1, 1,
        0, 0, 1, 1,
        1, 1, 0, 0,
        1, 1, 0, 0};

    private static Tensor image(float scale, float offset, float[] px) {
        float[] v = new float[16];
        for (int i = 0; i < 16; i++) {
            v[i] = (px[i] + offset) * scale;
        }
        return Tensor.of(D, v, 1, 1, 4, 4);
    }

    @Test
    void oracleBaselinePredictsEachMaskedPatchsTrueMean() {
        Tensor truth = image(1 / 255f, 0.25f, PIXELS);
        Tensor mask = Tensor.of(D, MASK, 1, 1, 4, 4);
        // patch means 25 and 101: squared errors 225+25+25+225 and 1+1+1+9, MSE 512/8 = 64
        double expected = 20 * Math.log10(255 / 8.0);
        assertEquals(expected, Psnr.oracleStatisticsBaseline(truth, mask, 2, List.of(0.0), List.of(1.0)), 1e-9);
        float[] means = Psnr.patchMeans(truth, mask, 2).toArray();
        assertEquals(25.25f / 255, means[2], 1e-7f);
        assertEquals(101.25f / 255, means[13], 1e-7f);
        assertEquals(50.25f / 255, means[0], 1e-7f);
        // the visible-mean baseline (mean 125 of the visible pixels) is far worse on the same image
        double visible = Psnr.visibleMeanBaseline(truth, mask, List.of(0.0), List.of(1.0));
        assertEquals(
                20 * Math.log10(255 / Math.sqrt((Math.pow(115, 2) + Math.pow(105, 2) + Math.pow(95, 2) + Math.pow(85, 2)
                        + 3 * Math.pow(25, 2) + Math.pow(21, 2)) / 8)),
                visible, 1e-9);
    }

    @Test
    void normalizedMseUsesEachPatchsUnbiasedVariance() {
        Tensor truth = image(1, 0, PIXELS);
        Tensor mask = Tensor.of(D, MASK, 1, 1, 4, 4);
        float[] off = new float[16];
        for (int i = 0; i < 16; i++) {
            // +2 on patch 1, -1 on patch 2, a large error on the visible patches (must not count)
            off[i] = PIXELS[i] + (MASK[i] == 0 ? 1000 : i < 8 ? 2 : -1);
        }
        Tensor recon = Tensor.of(D, off, 1, 1, 4, 4);
        // unbiased variances: patch 1 500/3, patch 2 12/3 = 4
        double v1 = 500 / 3.0 + 1e-6;
        double v2 = 4 + 1e-6;
        assertEquals((4 * 4 / v1 + 4 * 1 / v2) / 8, Psnr.normalizedMaskedMse(truth, recon, mask, 2), 1e-9);
        // predicting 0 in normalized space: sum of squared deviations over (var + eps), about (P - 1)/P
        Tensor baseline = Psnr.patchMeans(truth, mask, 2);
        assertEquals((500 / v1 + 12 / v2) / 8, Psnr.normalizedMaskedMse(truth, baseline, mask, 2), 1e-9);
        assertEquals(0.75, Psnr.normalizedMaskedMse(truth, baseline, mask, 2), 1e-6);
        assertEquals(0.0, Psnr.normalizedMaskedMse(truth, truth, mask, 2), 0.0);
        assertThrows(IllegalArgumentException.class, () -> Psnr.normalizedMaskedMse(truth, recon, mask, 3));
    }

    @Test
    void normPixScoresPutTheModelNextToItsBaseline() {
        Tensor truth = image(1 / 255f, 0.25f, PIXELS);
        Tensor mask = Tensor.of(D, MASK, 1, 1, 4, 4);
        // a model that is the oracle baseline plus 1 (in 0-255 units) on every masked pixel
        float[] means = Psnr.patchMeans(truth, mask, 2).toArray();
        float[] rec = new float[16];
        float[] pasted = truth.toArray();
        for (int i = 0; i < 16; i++) {
            rec[i] = means[i] + (MASK[i] != 0 ? 1f / 255 : 0);
            if (MASK[i] != 0) {
                pasted[i] = rec[i];
            }
        }
        Reconstruction r = new Reconstruction(truth, truth.mul(Tensor.of(D, MASK, 1, 1, 4, 4).neg().add(1f)),
                Tensor.of(D, rec, 1, 1, 4, 4), Tensor.of(D, pasted, 1, 1, 4, 4), mask);
        Psnr.NormPixScores s = Psnr.normPixScores(r, 2, List.of(0.0), List.of(1.0));
        assertEquals(20 * Math.log10(255 / 8.0), s.oraclePsnr(), 1e-9);
        // errors per masked pixel become (patch1) -14, -4, 6, 16 and (patch2) 2, 2, 2, -2: MSE (196+16+36+256+12+4)/8 = 65
        assertEquals(20 * Math.log10(255 / Math.sqrt(65)), s.psnr(), 1e-9);
        assertEquals(1, s.images());
        // in these units (1/255) eps 1e-6 is no longer small against the variances
        double u = 255.0 * 255.0;
        assertEquals((500 / u / (500 / 3.0 / u + 1e-6) + 12 / u / (4 / u + 1e-6)) / 8, s.oracleNormalizedMse(), 1e-6);
    }
}
