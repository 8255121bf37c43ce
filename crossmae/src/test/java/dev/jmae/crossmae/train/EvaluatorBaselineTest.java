package dev.jmae.crossmae.train;

import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.data.DataLoader;
import dev.jmae.crossmae.data.Datasets;
import dev.jmae.crossmae.data.Split;
import dev.jmae.crossmae.data.Transforms;
import dev.jmae.crossmae.model.MaskedAutoencoder;
import dev.jmae.nn.Linear;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The test PSNR stands next to the baseline that cannot flatter it (issue 18): a norm-pix model's
 * next to the oracle-statistics baseline (prediction 0 in normalized space) with the normalized
 * MSE of both, a raw-pixel model's next to the visible-mean baseline; a norm-pix model that
 * predicts 0 scores exactly its baseline.
 */
class EvaluatorBaselineTest {

    @TempDir
    Path dir;

    private Evaluator.Result evaluate(Configs.Config c, MaskedAutoencoder model) throws IOException {
        double[] mean = c.train().mean().stream().mapToDouble(Double::doubleValue).toArray();
        double[] std = c.train().std().stream().mapToDouble(Double::doubleValue).toArray();
        try (DataLoader test = new DataLoader(Datasets.resolve(c.train().dataPath(), "auto", Split.TEST, dir),
                Transforms.eval(16),
                mean, std, 16, false, false, 0, 0, 1, Device.CPU)) {
            return new Evaluator(test, c.train()).evaluate(model, null);
        }
    }

    @Test
    void aNormPixModelIsScoredAgainstTheOracleStatisticsBaseline() throws IOException {
        Configs.Config c = TinyRuns.config(TinyRuns.dataset(dir), "");
        MaskedAutoencoder model = MaskedAutoencoder.create(c.model(), new Generator(3), Device.CPU);
        Evaluator.Result r = evaluate(c, model);
        assertEquals(Evaluator.ORACLE_STATISTICS, r.baseline());
        assertEquals(32, r.images());
        // prediction 0 for every value of a patch of P = 16 values: (P - 1)/P · σ²/(σ² + 1e-6), just under 15/16
        assertTrue(r.baselineNormMse() < 15.0 / 16 && r.baselineNormMse() > 0.93,
                "baseline normalized MSE " + r.baselineNormMse());
        assertTrue(Double.isFinite(r.normMse()) && r.normMse() > 0, "model normalized MSE " + r.normMse());
        assertTrue(r.baselineDescription().contains("oracle-statistics"));

        MaskedAutoencoder other = MaskedAutoencoder.create(c.model(), new Generator(4), Device.CPU);
        Evaluator.Result r2 = evaluate(c, other);
        assertEquals(r.baselinePsnr(), r2.baselinePsnr(), 0, "the baseline does not depend on the model");
        assertNotEquals(r.psnr(), r2.psnr());

        for (var m : model.namedModules().entrySet()) {
            if (m.getKey().equals("decoder_pred") && m.getValue() instanceof Linear pred) {
                pred.weight().value().fillInPlace(0f);
                pred.bias().value().fillInPlace(0f);
            }
        }
        Evaluator.Result zero = evaluate(c, model);
        assertEquals(zero.baselinePsnr(), zero.psnr(), 1e-12, "predicting 0 in normalized space is the baseline");
        assertEquals(zero.baselineNormMse(), zero.normMse(), 1e-12);
    }

    @Test
    void aRawPixelModelIsScoredAgainstTheVisibleMeanBaseline() throws IOException {
        Configs.Config c = TinyRuns.config(TinyRuns.dataset(dir), "\"norm_pix_loss\": false");
        Evaluator.Result r = evaluate(c, MaskedAutoencoder.create(c.model(), new Generator(3), Device.CPU));
        assertEquals(Evaluator.VISIBLE_MEAN, r.baseline());
        assertTrue(Double.isNaN(r.normMse()) && Double.isNaN(r.baselineNormMse()),
                "no normalized space without norm_pix_loss");
        assertTrue(Double.isFinite(r.psnr()) && Double.isFinite(r.baselinePsnr()));
        assertTrue(r.baselineDescription().contains("visible-mean"));
        assertTrue(Pretrainer.evalLine(r).contains("visible-mean baseline")
                && !Pretrainer.evalLine(r).contains("normalized MSE"));
    }
}
