package dev.jmae.nn;

import dev.jmae.autograd.Variable;
import dev.jmae.tensor.Tensor;

/** Loss functions (torch.nn.functional). */
public final class Losses {

    private Losses() {
    }

    /**
     * Mean squared error over all elements (F.mse_loss, reduction 'mean').
     *
     * @param pred predictions
     * @param target targets, pred's shape
     * @return a scalar
     */
    public static Variable mse(Variable pred, Tensor target) {
        return pred.mseLoss(target);
    }

    /**
     * Cross-entropy with label smoothing (F.cross_entropy, reduction 'mean'):
     * loss = mean over rows of (1-ε)·(-log p[y]) + ε·mean over classes of (-log p[c]).
     *
     * @param logits [N, C]
     * @param targets [N] class indices stored as floats
     * @param labelSmoothing ε in [0, 1]
     * @return a scalar
     * @throws IllegalArgumentException if the shapes disagree or ε is out of range
     */
    public static Variable crossEntropy(Variable logits, Tensor targets, float labelSmoothing) {
        if (logits.ndim() != 2 || targets.ndim() != 1 || targets.size(0) != logits.size(0)) {
            throw new IllegalArgumentException("crossEntropy: expected logits [N, C] and targets [N], got "
                    + java.util.Arrays.toString(logits.shape()) + " and " + java.util.Arrays.toString(targets.shape()));
        }
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException(
                    "crossEntropy: label smoothing must be in [0, 1], got " + labelSmoothing);
        }
        Variable logp = logits.logSoftmax(-1);
        Variable nll = logp.gather(1, targets.reshape(-1, 1)).neg().reshape(-1);
        Variable loss = nll.mul(1f - labelSmoothing);
        if (labelSmoothing > 0) {
            loss = loss.add(logp.mean(1, false).neg().mul(labelSmoothing));
        }
        return loss.mean();
    }

    /**
     * Cross-entropy against soft targets (timm {@code SoftTargetCrossEntropy}, the fine-tuning
     * loss with Mixup/CutMix): loss = mean over rows of Σ_c −target[c]·log_softmax(logits)[c].
     * With targets (1 − ε)·onehot + ε/C it equals {@link #crossEntropy} with label smoothing ε.
     *
     * @param logits [N, C]
     * @param targets [N, C], each row a distribution (e.g. {@code Mixup.Mixed.targets()})
     * @return a scalar
     * @throws IllegalArgumentException if the shapes differ or are not 2-d
     */
    public static Variable softTargetCrossEntropy(Variable logits, Tensor targets) {
        if (logits.ndim() != 2 || !java.util.Arrays.equals(logits.shape(), targets.shape())) {
            throw new IllegalArgumentException(
                    "softTargetCrossEntropy: expected logits and targets [N, C] of equal shape, got "
                            + java.util.Arrays.toString(logits.shape()) + " and "
                            + java.util.Arrays.toString(targets.shape()));
        }
        return logits.logSoftmax(-1).mul(Variable.constant(targets)).sum(1, false).neg().mean();
    }
}
