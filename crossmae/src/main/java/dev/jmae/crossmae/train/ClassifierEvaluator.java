package dev.jmae.crossmae.train;

import dev.jmae.autograd.GradMode;
import dev.jmae.crossmae.data.Batch;
import dev.jmae.crossmae.data.DataLoader;
import dev.jmae.crossmae.model.VisionTransformerClassifier;
import dev.jmae.tensor.TensorScope;

import java.util.Iterator;

/**
 * engine_finetune.evaluate: the classifier in eval mode (no drop path; the probe's BatchNorm on its
 * running statistics) over the test split, top-1 and top-5 accuracy (timm's {@code accuracy}: the
 * label among the k largest logits; ties go to the lower class index) and the cross-entropy
 * without smoothing. Accuracies in percent over images; the loss is a mean over images (the official
 * averages per-batch means, which differs only through the last partial batch). With fewer than 5
 * classes top-5 is top-K.
 */
public final class ClassifierEvaluator {

    /**
     * Test results.
     *
     * @param acc1 top-1 accuracy, percent
     * @param acc5 top-5 accuracy, percent
     * @param loss mean cross-entropy per image
     * @param images images evaluated
     */
    public record Result(double acc1, double acc5, double loss, int images) {
    }

    private final DataLoader test;

    /**
     * Creates the evaluator.
     *
     * @param test a loader over the test split (evaluation transform, no shuffling, no drop_last)
     */
    public ClassifierEvaluator(DataLoader test) {
        this.test = test;
    }

    /**
     * Evaluates the classifier.
     *
     * @param model the classifier (switched to eval mode and back)
     * @return accuracies and loss
     */
    public Result evaluate(VisionTransformerClassifier model) {
        boolean wasTraining = model.isTraining();
        model.eval();
        long top1 = 0;
        long top5 = 0;
        double lossSum = 0;
        int images = 0;
        try (GradMode.Scope g = GradMode.noGrad()) {
            Iterator<Batch> it = test.epoch(0, 0);
            while (it.hasNext()) {
                Batch b = it.next();
                float[] logits;
                float[] labels = b.labels().toArray();
                b.labels().release();
                try (TensorScope scope = TensorScope.open()) {
                    logits = model.forward(b.images()).value().toArray();
                } finally {
                    b.images().release();
                }
                int n = labels.length;
                int k = logits.length / n;
                for (int i = 0; i < n; i++) {
                    int rank = rank(logits, i * k, k, (int) labels[i]);
                    top1 += rank < 1 ? 1 : 0;
                    top5 += rank < Math.min(5, k) ? 1 : 0;
                    lossSum += crossEntropy(logits, i * k, k, (int) labels[i]);
                }
                images += n;
            }
        } finally {
            if (wasTraining) {
                model.train();
            }
        }
        return new Result(100.0 * top1 / images, 100.0 * top5 / images, lossSum / images, images);
    }

    /** The label's position in the descending order of a row (0 = the largest; ties to the lower index). */
    static int rank(float[] logits, int off, int k, int label) {
        if (label < 0 || label >= k) {
            throw new IllegalArgumentException("ClassifierEvaluator: label " + label + " is outside the head's " + k
                    + " classes; hint: nb_classes must match the dataset");
        }
        float v = logits[off + label];
        int rank = 0;
        for (int c = 0; c < k; c++) {
            float o = logits[off + c];
            if (o > v || o == v && c < label) {
                rank++;
            }
        }
        return rank;
    }

    /** −log softmax(row)[label], computed in double. */
    static double crossEntropy(float[] logits, int off, int k, int label) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, logits[off + c]);
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
            sum += Math.exp(logits[off + c] - max);
        }
        return max + Math.log(sum) - logits[off + label];
    }
}
