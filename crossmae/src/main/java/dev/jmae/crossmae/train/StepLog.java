package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.MemoryStats;

/**
 * The {@code "type": "step"} records of metrics.jsonl: every log_every optimizer steps, the mean
 * of the step losses since the previous record (each step's loss is the mean of its micro-batches),
 * the lr, the images per second over the same window and the training device's live and peak
 * tensor memory. The window restarts at every epoch.
 *
 * <p>Data parallel: the loss is the mean over ranks of their window means (equal local batches,
 * so the mean over the global batch), one small all-reduce per record on every rank; images per
 * second count every rank's images; memory is this rank's. Every rank builds the record and
 * tells the listener; only the main rank writes it (its log is null elsewhere).
 */
final class StepLog {

    private final MetricsLog log;
    private final int logEvery;
    private final Device device;
    private final Pretrainer.Listener listener;
    private final Ranks ranks;
    private double windowLossSum;
    private int windowSteps;
    private long windowImages;
    private long windowStart;

    /**
     * Creates the logger.
     *
     * @param log the run's metrics log, or null on ranks that do not write
     * @param logEvery optimizer steps between records (log_every)
     * @param device the training device, whose memory is reported
     * @param listener told of every record after it is written
     * @param ranks the ranks the loss is averaged over
     */
    StepLog(MetricsLog log, int logEvery, Device device, Pretrainer.Listener listener, Ranks ranks) {
        this.log = log;
        this.ranks = ranks;
        this.logEvery = logEvery;
        this.device = device;
        this.listener = listener;
    }

    /** Starts an epoch's window. */
    void beginEpoch() {
        windowLossSum = 0;
        windowSteps = 0;
        windowImages = 0;
        windowStart = System.nanoTime();
    }

    /** @param n images of a micro-batch just trained on */
    void images(int n) {
        windowImages += n;
    }

    /**
     * Records an optimizer step; writes a record when the step count is a multiple of log_every.
     *
     * @param epoch the epoch
     * @param batch micro-batches of the epoch done (the batch index + 1)
     * @param batches micro-batches per epoch
     * @param step optimizer steps so far, this one included
     * @param stepLoss the mean loss of this step's micro-batches
     * @param lr the lr in effect
     */
    void step(int epoch, int batch, int batches, long step, double stepLoss, double lr) {
        windowLossSum += stepLoss;
        windowSteps++;
        if (step % logEvery != 0) {
            return;
        }
        double secs = (System.nanoTime() - windowStart) / 1e9;
        ObjectNode r = MetricsLog.record();
        r.put("type", "step");
        r.put("epoch", epoch);
        r.put("batch", batch);
        r.put("step", step);
        r.put("epoch_fraction", epoch + (double) batch / batches);
        r.put("loss", ranks.mean(windowLossSum / windowSteps));
        r.put("lr", lr);
        r.put("images_per_s", windowImages * (double) ranks.worldSize() / secs);
        // tensor memory on the training device: now (parameters, gradients, optimizer state) and
        // the peak over the window (plus activations)
        MemoryStats mem = Backends.of(device).memory();
        r.put("live_mb", mem.liveBytes() / 1e6);
        r.put("peak_mb", mem.peakBytes() / 1e6);
        mem.resetPeak();
        if (log != null) {
            log.write(r);
        }
        listener.onStep(r);
        windowImages = 0;
        windowLossSum = 0;
        windowSteps = 0;
        windowStart = System.nanoTime();
    }
}
