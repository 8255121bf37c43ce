package dev.jmae.crossmae.eval;

import dev.jmae.autograd.GradMode;
import dev.jmae.autograd.Variable;
import dev.jmae.crossmae.data.Batch;
import dev.jmae.crossmae.data.DataLoader;
import dev.jmae.crossmae.model.MaskedAutoencoder;
import dev.jmae.crossmae.model.Masking;
import dev.jmae.crossmae.train.TrainStep;
import dev.jmae.nn.Losses;
import dev.jmae.nn.Parameter;
import dev.jmae.nn.optim.LARS;
import dev.jmae.nn.optim.ParamGroup;
import dev.jmae.nn.optim.WarmupCosineSchedule;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.TensorScope;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Frozen-feature evaluation: features from the encoder (global average pooling of the patch
 * tokens, cls excluded, of the last block's output, as MAE's global-pool linear probe uses before
 * its fc_norm) or raw pixels; then a linear probe and a k-NN classifier.
 *
 * <p>Linear probe (after MAE's main_linprobe, scaled down): features standardized with the train
 * split's per-dimension mean and std (BatchNorm1d without affine, as MAE's probe head), one Linear
 * layer (weights truncated normal std 0.01, bias 0) trained with LARS (momentum 0.9, trust 0.001,
 * no weight decay) and lr = 0.1·B/256 with one warmup epoch then cosine, cross-entropy. k-NN
 * (Wu et al. 2018, DINO's evaluation): cosine similarity to every training feature, the k = 20
 * nearest vote with weight exp(similarity/0.07).
 */
public final class Probe {

    private Probe() {
    }

    /** Features and labels of one split. */
    public record Features(Tensor x, int[] labels, int numClasses) {
    }

    /**
     * Encoder features of a split.
     *
     * @param model the pretrained model (eval mode is set)
     * @param loader a loader over the split (eval transform, no shuffling, no drop_last)
     * @param numClasses classes of the dataset
     * @return [N, D] features and labels
     */
    public static Features encoderFeatures(MaskedAutoencoder model, DataLoader loader, int numClasses) {
        model.eval();
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int d = model.config().embedDim();
        int l = model.config().numPatches();
        Iterator<Batch> it = loader.epoch(0, 0);
        try (GradMode.Scope g = GradMode.noGrad()) {
            while (it.hasNext()) {
                Batch b = it.next();
                try (TensorScope s = TensorScope.open()) {
                    int n = b.images().size(0);
                    Masking all = Masking.keepAll(n, l, b.images().device());
                    // the last block's output, before any final norm: blocks' outputs are feature maps
                    List<Integer> last = List.of(model.config().depth() - 1);
                    Variable lastMap = model.encoder().forward(b.images(), all, last, false).featureMaps().get(0);
                    Tensor pooled = lastMap.value().narrow(1, 1, l).mean(1, false);
                    rows.add(pooled.toArray());
                    for (float y : b.labels().toArray()) {
                        labels.add((int) y);
                    }
                } finally {
                    b.images().release();
                }
            }
        }
        return stack(rows, labels, d, numClasses, model.device());
    }

    /**
     * Raw normalized pixels of a split as features (the baseline).
     *
     * @param loader a loader over the split
     * @param numClasses classes of the dataset
     * @return [N, C·H·W] features and labels
     */
    public static Features pixelFeatures(DataLoader loader, int numClasses) {
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int d = -1;
        Device device = null;
        Iterator<Batch> it = loader.epoch(0, 0);
        while (it.hasNext()) {
            Batch b = it.next();
            int n = b.images().size(0);
            device = b.images().device();
            d = b.images().numel() / n;
            rows.add(b.images().toArray());
            for (float y : b.labels().toArray()) {
                labels.add((int) y);
            }
            b.images().release();
        }
        return stack(rows, labels, d, numClasses, device);
    }

    private static Features stack(List<float[]> rows, List<Integer> labels, int d, int numClasses, Device device) {
        float[] all = new float[labels.size() * d];
        int off = 0;
        for (float[] r : rows) {
            System.arraycopy(r, 0, all, off, r.length);
            off += r.length;
        }
        int[] y = labels.stream().mapToInt(Integer::intValue).toArray();
        return new Features(TensorScope.detach(Tensor.of(device, all, y.length, d)), y, numClasses);
    }

    /**
     * k-NN accuracy: cosine similarity, the k nearest training features vote with weight
     * exp(sim/T).
     *
     * @param train training features
     * @param test test features
     * @param k neighbours (20)
     * @param temperature T (0.07)
     * @return top-1 accuracy in [0, 1]
     */
    public static double knnAccuracy(Features train, Features test, int k, double temperature) {
        Tensor tr = unit(train.x());
        Tensor te = unit(test.x());
        int nTest = te.size(0);
        int correct = 0;
        int chunk = 256;
        for (int start = 0; start < nTest; start += chunk) {
            int len = Math.min(chunk, nTest - start);
            float[] sim;
            try (TensorScope s = TensorScope.open()) {
                sim = te.narrow(0, start, len).matmul(tr.transpose(0, 1)).toArray();
            }
            int nTrain = tr.size(0);
            for (int r = 0; r < len; r++) {
                int[] top = topK(sim, r * nTrain, nTrain, k);
                double[] votes = new double[train.numClasses()];
                for (int j : top) {
                    votes[train.labels()[j]] += Math.exp(sim[r * nTrain + j] / temperature);
                }
                int best = 0;
                for (int c = 1; c < votes.length; c++) {
                    if (votes[c] > votes[best]) {
                        best = c;
                    }
                }
                if (best == test.labels()[start + r]) {
                    correct++;
                }
            }
        }
        return (double) correct / nTest;
    }

    private static Tensor unit(Tensor x) {
        return TensorScope.detach(x.div(x.square().sum(1, true).sqrt().add(1e-12f)));
    }

    /** Indices of the k largest values of v[off .. off+n), by partial selection. */
    private static int[] topK(float[] v, int off, int n, int k) {
        int kk = Math.min(k, n);
        int[] idx = new int[kk];
        float[] val = new float[kk];
        int size = 0;
        for (int j = 0; j < n; j++) {
            float x = v[off + j];
            if (size < kk) {
                idx[size] = j;
                val[size++] = x;
            } else {
                int min = 0;
                for (int t = 1; t < kk; t++) {
                    if (val[t] < val[min]) {
                        min = t;
                    }
                }
                if (x > val[min]) {
                    idx[min] = j;
                    val[min] = x;
                }
            }
        }
        return idx;
    }

    /**
     * Linear-probe accuracy.
     *
     * @param train training features
     * @param test test features
     * @param epochs training epochs over the features
     * @param batchSize mini-batch size
     * @param seed randomness of initialization and shuffling
     * @return top-1 test accuracy in [0, 1]
     */
    public static double linearProbeAccuracy(Features train, Features test, int epochs, int batchSize, long seed) {
        Device device = train.x().device();
        Tensor mean = TensorScope.detach(train.x().mean(0, true));
        Tensor std = TensorScope.detach(train.x().var(0, 0, true).add(1e-6f).sqrt());
        Tensor xs = TensorScope.detach(train.x().sub(mean).div(std));
        Tensor xt = TensorScope.detach(test.x().sub(mean).div(std));
        int d = xs.size(1);
        int c = train.numClasses();
        Generator g = new Generator(seed);
        Parameter w = new Parameter(Tensor.truncatedNormal(device, g, 0, 0.01, -0.02, 0.02, c, d));
        Parameter b = new Parameter(Tensor.zeros(device, c));
        int n = xs.size(0);
        int steps = n / batchSize;
        double lr = 0.1 * batchSize / 256;
        LARS opt = new LARS(List.of(new ParamGroup("head", List.of(w, b), lr, 0, 1)), 0.9, 0.001);
        WarmupCosineSchedule sched = new WarmupCosineSchedule(lr, 0, Math.min(1, epochs), epochs);
        TrainStep step = new TrainStep(opt, sched, 1, 0);
        Tensor labels = Tensor.of(device, toFloat(train.labels()), n);
        for (int e = 0; e < epochs; e++) {
            // this epoch's order on the device once; each step reads its slice
            Tensor order = Tensor.of(device, toFloat(permutation(n, g)), n);
            step.beginEpoch();
            for (int s = 0; s < steps; s++) {
                Tensor ids = order.narrow(0, s * batchSize, batchSize);
                step.run(e, s, steps, () -> Losses.crossEntropy(Variable.constant(xs.indexSelect(0, ids)).linear(w, b),
                        labels.indexSelect(0, ids), 0f));
            }
            order.release();
        }
        float[] pred;
        try (TensorScope scope = TensorScope.open()) {
            pred = xt.linear(w.value(), b.value()).argmax(1, false).toArray();
        }
        int correct = 0;
        for (int i = 0; i < pred.length; i++) {
            if ((int) pred[i] == test.labels()[i]) {
                correct++;
            }
        }
        return (double) correct / pred.length;
    }

    private static float[] toFloat(int[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = v[i];
        }
        return f;
    }

    private static int[] permutation(int n, Generator g) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = g.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
