package dev.jmae.crossmae.train;

import dev.jmae.tensor.Settings;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.util.Locale;

/**
 * An epoch's progress bar on stderr (batches done, mean loss, images/s, lr), or nothing when
 * progress is off. As wide as the terminal; the system property {@code jmae.progress.width} (read
 * by {@link Settings#progressWidth()}) sets the width where there is no terminal to measure
 * (bin/jmae sets 120 when stderr is a file or a pipe, where the library's fallback of 80 cuts the lr).
 */
final class EpochProgress implements AutoCloseable {

    private final ProgressBar bar;

    private EpochProgress(ProgressBar bar) {
        this.bar = bar;
    }

    /**
     * Opens the bar of one epoch.
     *
     * @param enabled false for a silent instance
     * @param epoch the epoch, from 0
     * @param epochs epochs of the run
     * @param batches micro-batches per epoch
     * @param start batches already done (resuming mid-epoch)
     * @return the bar
     */
    static EpochProgress open(boolean enabled, int epoch, int epochs, int batches, int start) {
        if (!enabled) {
            return new EpochProgress(null);
        }
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, epochs))
                .setInitialMax(batches).setStyle(ProgressBarStyle.ASCII).setUnit(" batches", 1)
                .setUpdateIntervalMillis(500)
                .setConsumer(new ConsoleProgressBarConsumer(System.err, Settings.progressWidth())).build();
        bar.stepTo(start);
        return new EpochProgress(bar);
    }

    /**
     * Shows the state after a micro-batch.
     *
     * @param done micro-batches of the epoch done
     * @param meanLoss the epoch's mean loss so far
     * @param imagesPerSecond the epoch's throughput so far
     * @param lr the lr in effect
     */
    void update(int done, double meanLoss, double imagesPerSecond, double lr) {
        if (bar != null) {
            bar.stepTo(done);
            bar.setExtraMessage(
                    String.format(Locale.ROOT, " loss %.4f %.0f img/s lr %.1e", meanLoss, imagesPerSecond, lr));
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
