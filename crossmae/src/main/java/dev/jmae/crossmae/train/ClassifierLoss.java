package dev.jmae.crossmae.train;

import dev.jmae.autograd.GradMode;
import dev.jmae.autograd.Variable;
import dev.jmae.crossmae.data.Batch;
import dev.jmae.crossmae.data.Mixup;
import dev.jmae.crossmae.model.VisionTransformerClassifier;
import dev.jmae.nn.Losses;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

/**
 * The forward pass of engine_finetune.train_one_epoch for one micro-batch: {@code samples,
 * targets = mixup_fn(samples, targets)} when Mixup/CutMix is active, then {@code outputs =
 * model(samples)} and the criterion of main_finetune.py: soft-target cross-entropy with mixup
 * (label smoothing is inside the mixed targets), else cross-entropy with label smoothing
 * (timm's LabelSmoothingCrossEntropy; plain cross-entropy at 0). The linear probe
 * (main_linprobe.py) runs the frozen encoder without a graph and trains the head on plain
 * cross-entropy.
 *
 * <p>Randomness: a micro-batch's mixup draws and drop-path draws come from one generator derived
 * from (seed, epoch, batch) alone ({@link #batchGenerator}), so a resumed run repeats them.
 */
final class ClassifierLoss implements TrainEpoch.BatchLoss {

    private static final long STREAM = 0x3C6EF372FE94F82BL;

    private final VisionTransformerClassifier model;
    private final Mixup mixup;
    private final double smoothing;
    private final long seed;
    private final boolean frozenEncoder;

    /**
     * Creates the loss.
     *
     * @param model the classifier (in training mode)
     * @param mixup Mixup/CutMix with its label smoothing, or null when inactive
     * @param smoothing label smoothing without mixup (smoothing; 0 for the linear probe)
     * @param seed the run's seed
     * @param frozenEncoder whether only the head trains (the linear probe)
     */
    ClassifierLoss(VisionTransformerClassifier model, Mixup mixup, double smoothing, long seed, boolean frozenEncoder) {
        this.model = model;
        this.mixup = mixup;
        this.smoothing = smoothing;
        this.seed = seed;
        this.frozenEncoder = frozenEncoder;
    }

    /**
     * The generator of one micro-batch's mixup and drop-path draws.
     *
     * @param seed the run's seed
     * @param epoch the epoch
     * @param batch the micro-batch within the epoch
     * @return a generator that depends on these three values only
     */
    static Generator batchGenerator(long seed, int epoch, int batch) {
        return new Generator(
                seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + batch * 0x94D049BB133111EBL + STREAM);
    }

    @Override
    public Variable compute(Batch batch, int epoch, int index) {
        return compute(batch.images(), batch.labels(), batchGenerator(seed, epoch, index));
    }

    /**
     * The loss of one micro-batch.
     *
     * @param images normalized images [B, C, H, W] on the model's device
     * @param labels class indices [B] (floats, any device)
     * @param g the micro-batch's generator: first the drop-path seed, then the mixup draws
     * @return the scalar loss
     */
    Variable compute(Tensor images, Tensor labels, Generator g) {
        if (frozenEncoder) {
            Tensor features;
            try (GradMode.Scope s = GradMode.noGrad()) {
                features = model.forwardFeatures(images).value();
            }
            return Losses.crossEntropy(model.forwardHead(Variable.constant(features)), labels.to(model.device()), 0f);
        }
        model.reseedDropPath(g.nextLong());
        if (mixup != null) {
            return mixed(mixup.apply(images, labels, g));
        }
        return Losses.crossEntropy(model.forward(images), labels.to(model.device()), (float) smoothing);
    }

    /**
     * The loss of an already mixed batch: soft-target cross-entropy of the model's logits.
     *
     * @param m the mixed images and soft targets
     * @return the scalar loss
     */
    Variable mixed(Mixup.Mixed m) {
        return Losses.softTargetCrossEntropy(model.forward(m.images()), m.targets().to(model.device()));
    }

    /** @return the criterion's name in main_finetune.py's terms, for the start-up summary */
    String describe() {
        if (frozenEncoder) {
            return "CrossEntropyLoss (head only; encoder frozen)";
        }
        if (mixup != null) {
            return "SoftTargetCrossEntropy after " + mixup;
        }
        return smoothing > 0 ? "LabelSmoothingCrossEntropy(smoothing=" + smoothing + ")" : "CrossEntropyLoss";
    }
}
