package dev.jmae.crossmae.train;

import dev.jmae.autograd.Variable;
import dev.jmae.nn.Parameter;
import dev.jmae.nn.optim.GradNorm;
import dev.jmae.nn.optim.Optimizer;
import dev.jmae.nn.optim.ParamGroup;
import dev.jmae.nn.optim.WarmupCosineSchedule;
import dev.jmae.nn.parallel.DistributedDataParallel;
import dev.jmae.tensor.TensorScope;

import java.util.ArrayList;
import java.util.List;

/**
 * One training iteration, the body of the official {@code train_one_epoch} loop
 * (engine_pretrain.py, engine_finetune.py) for whatever the forward pass computes: at the first
 * micro-batch of each accumulation cycle the lr is set from the schedule at the fractional epoch
 * epoch + iteration / iterations per epoch; the loss closure runs; its value is read once
 * ({@code loss.item()}) and a non-finite loss stops before backward; loss / accum_iter is
 * back-propagated (gradients accumulate); at the last micro-batch of the cycle the gradients are
 * clipped (when clip_grad is set), the optimizer steps and the gradients are zeroed. The loss
 * values are smoothed per epoch ({@link #loss()}).
 *
 * <p>The closure is where pretraining (masked-autoencoder loss on a batch and its noise), the
 * linear probe (cross-entropy of a head on features) and fine-tuning (mixup, label smoothing)
 * differ; schedules with per-group scales (layer-wise lr decay) come in through
 * {@link ParamGroup#lrScale()}. Each forward and backward runs in its own {@link TensorScope}, so
 * the step's activations are released when it ends; the optimizer update runs after it.
 *
 * <p>Data parallel ({@link #distributed}): the first accum_iter − 1 backward passes of a cycle
 * run inside {@link DistributedDataParallel#noSync()}, so gradients are all-reduced once per
 * optimizer step, by the last micro-batch's backward; every replica then takes the same step.
 *
 * <p>Host and device: the only read is the loss value (one scalar per micro-batch); with
 * clipping, also the gradient norms.
 */
public final class TrainStep {

    /** What the forward pass computes. */
    @FunctionalInterface
    public interface Loss {
        /**
         * Runs the forward pass of one micro-batch.
         *
         * @return the scalar loss, a graph that reaches the trained parameters
         */
        Variable compute();
    }

    /**
     * What one iteration did.
     *
     * @param loss this micro-batch's loss value (before the division by accum_iter)
     * @param stepped whether the optimizer stepped (the last micro-batch of a cycle)
     * @param stepLoss when stepped, the mean loss of the cycle's micro-batches; NaN otherwise
     * @param gradNorm when stepped with clipping, the total gradient norm before clipping; NaN otherwise
     * @param lr the learning rate in effect: the schedule's lr(t) (before per-group scales), or
     *     group 0's lr without a schedule
     */
    public record Result(double loss, boolean stepped, double stepLoss, double gradNorm, double lr) {
    }

    private final Optimizer optimizer;
    private final WarmupCosineSchedule schedule;
    private final int accumIter;
    private final double clipGrad;
    private final List<Parameter> parameters = new ArrayList<>();
    private final SmoothedValue loss = new SmoothedValue(20);
    private long optimizerSteps;
    private double lr;
    private double lastFinite = Double.NaN;
    private double cycleLossSum;
    private DistributedDataParallel<?> ddp;

    /**
     * Creates the step.
     *
     * @param optimizer the optimizer of the trained parameters
     * @param schedule the per-iteration lr schedule (lr_sched.adjust_learning_rate), or null to keep
     *     the groups' lrs constant
     * @param accumIter micro-batches per optimizer step (accum_iter), at least 1
     * @param clipGrad the largest total gradient norm (clip_grad, torch.nn.utils.clip_grad_norm_), or 0
     *     for no clipping (MAE/CrossMAE pretraining)
     * @throws IllegalArgumentException if accumIter is below 1 or clipGrad is negative
     */
    public TrainStep(Optimizer optimizer, WarmupCosineSchedule schedule, int accumIter, double clipGrad) {
        if (accumIter < 1 || !(clipGrad >= 0)) {
            throw new IllegalArgumentException(
                    "TrainStep: expected accum_iter >= 1 and clip_grad >= 0, got " + accumIter
                            + ", " + clipGrad);
        }
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.accumIter = accumIter;
        this.clipGrad = clipGrad;
        for (ParamGroup g : optimizer.groups()) {
            parameters.addAll(g.params());
        }
    }

    /**
     * Continues a run: the optimizer steps taken before (from a checkpoint).
     *
     * @param steps optimizer steps so far
     * @return this
     */
    public TrainStep resumeAt(long steps) {
        this.optimizerSteps = steps;
        return this;
    }

    /**
     * Makes the step data-parallel: backward passes before the last micro-batch of each cycle
     * skip DDP's gradient all-reduce (PyTorch's {@code no_sync}).
     *
     * @param parallel the DDP wrapper of the model whose loss the closure computes
     * @return this
     */
    public TrainStep distributed(DistributedDataParallel<?> parallel) {
        this.ddp = parallel;
        return this;
    }

    /** Starts an epoch: zeroes the gradients (optimizer.zero_grad()) and the epoch's loss series. */
    public void beginEpoch() {
        optimizer.zeroGrad();
        loss.reset();
        cycleLossSum = 0;
    }

    /**
     * Runs one iteration (one micro-batch).
     *
     * @param epoch the epoch
     * @param iteration the micro-batch within the epoch (data_iter_step), counted from 0 at the
     *     epoch's start even when resuming mid-epoch
     * @param iterationsPerEpoch micro-batches per epoch (len(data_loader))
     * @param forward the forward pass
     * @return what the iteration did
     * @throws NonFiniteLossException if the loss is NaN or infinite (nothing is back-propagated)
     */
    public Result run(int epoch, int iteration, int iterationsPerEpoch, Loss forward) {
        if (schedule == null) {
            lr = optimizer.groups().get(0).lr();
        } else if (iteration % accumIter == 0) {
            lr = schedule.apply(optimizer, epoch + (double) iteration / iterationsPerEpoch);
        }
        double value;
        try (TensorScope scope = TensorScope.open()) {
            Variable l = forward.compute();
            value = l.item();
            if (!Double.isFinite(value)) {
                throw new NonFiniteLossException(epoch, iteration, optimizerSteps, lr, lastFinite);
            }
            Variable scaled = l.div(accumIter);
            if (ddp != null && (iteration + 1) % accumIter != 0) {
                try (DistributedDataParallel.NoSync noSync = ddp.noSync()) {
                    scaled.backward();
                }
            } else {
                scaled.backward();
            }
        }
        lastFinite = value;
        loss.update(value);
        cycleLossSum += value;
        if ((iteration + 1) % accumIter != 0) {
            return new Result(value, false, Double.NaN, Double.NaN, lr);
        }
        double norm = clipGrad > 0 ? GradNorm.clip(parameters, clipGrad) : Double.NaN;
        optimizer.step();
        optimizer.zeroGrad();
        optimizerSteps++;
        double stepLoss = cycleLossSum / accumIter;
        cycleLossSum = 0;
        return new Result(value, true, stepLoss, norm, lr);
    }

    /** @return the optimizer steps taken (including those before {@link #resumeAt}) */
    public long optimizerSteps() {
        return optimizerSteps;
    }

    /** @return the lr in effect after the last iteration (0 before the first) */
    public double lr() {
        return lr;
    }

    /** @return the last finite micro-batch loss seen, NaN before the first */
    public double lastFiniteLoss() {
        return lastFinite;
    }

    /** @return the micro-batch losses of the current epoch (metric_logger's loss meter) */
    public SmoothedValue loss() {
        return loss;
    }

    /** @return the optimizer */
    public Optimizer optimizer() {
        return optimizer;
    }
}
