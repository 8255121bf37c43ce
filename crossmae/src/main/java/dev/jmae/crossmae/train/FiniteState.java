package dev.jmae.crossmae.train;

import dev.jmae.nn.Module;
import dev.jmae.nn.Parameter;
import dev.jmae.nn.optim.Optimizer;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.TensorScope;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether what a checkpoint would save is finite: every entry of the model's state dict and of
 * the optimizer state (AdamW's moments). The loss is checked before every step, but the step's
 * update itself can turn the weights NaN or infinite (a huge lr at the last step of an epoch), and
 * writing such a state over the last good checkpoint loses the run.
 *
 * <p>Each tensor is tested on its own device as sum(x · 0), which is NaN exactly when x holds a NaN
 * or an infinity (0 · ±inf = NaN) and 0 otherwise, whatever the magnitude of the finite values; one
 * scalar per tensor comes back to the host.
 */
final class FiniteState {

    private FiniteState() {
    }

    /**
     * The entries that are not finite.
     *
     * @param model the model
     * @param optimizer its optimizer, or null
     * @return "parameter KEY" / "optimizer state KEY.exp_avg_sq" for each non-finite tensor, in
     *     state-dict order; empty when everything is finite
     */
    static List<String> nonFinite(Module model, Optimizer optimizer) {
        List<String> bad = new ArrayList<>();
        try (TensorScope scope = TensorScope.open()) {
            for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
                if (!finite(e.getValue())) {
                    bad.add("parameter " + e.getKey());
                }
            }
            if (optimizer != null) {
                Map<Parameter, String> keys = new IdentityHashMap<>();
                model.namedParameters().forEach((k, p) -> keys.put(p, k));
                for (Map.Entry<String, Tensor> e : optimizer.stateDict(keys::get).entrySet()) {
                    if (!finite(e.getValue())) {
                        bad.add("optimizer state " + e.getKey());
                    }
                }
            }
        }
        return bad;
    }

    private static boolean finite(Tensor t) {
        return t.numel() == 0 || !Float.isNaN(t.mul(0f).sum().item());
    }

    /**
     * Fails when the state is not finite, before it is saved.
     *
     * @param model the model
     * @param optimizer its optimizer
     * @param step the training step (for the position, lr and last finite loss)
     * @param epoch the epoch, counted from 0
     * @param batch micro-batches of the epoch done, or -1 at the end of the epoch
     * @throws NonFiniteLossException naming the first non-finite tensors
     */
    static void require(Module model, Optimizer optimizer, TrainStep step, int epoch, int batch) {
        List<String> bad = nonFinite(model, optimizer);
        if (!bad.isEmpty()) {
            throw NonFiniteLossException.nonFiniteState("the training state became non-finite (" + bad.size()
                    + " tensors hold NaN or infinite values, first "
                    + String.join(", ", bad.subList(0, Math.min(3, bad.size())))
                    + ")", epoch, batch, step.optimizerSteps(), step.lr(), step.lastFiniteLoss());
        }
    }
}
