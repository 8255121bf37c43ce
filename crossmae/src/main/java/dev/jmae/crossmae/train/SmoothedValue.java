package dev.jmae.crossmae.train;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * A series of values with the smoothed views the official training logs print: the last
 * {@code windowSize} values (median, mean, latest) and the whole series (sum, count, global
 * mean). Mirrors {@code util/misc.py SmoothedValue} of facebookresearch/mae (window 20 by default);
 * sums are accumulated in double in arrival order, so the global mean is sum / count bit for bit.
 */
public final class SmoothedValue {

    private final int windowSize;
    private final ArrayDeque<Double> window = new ArrayDeque<>();
    private double total;
    private long count;

    /**
     * Creates an empty series.
     *
     * @param windowSize how many recent values the windowed views see, at least 1
     * @throws IllegalArgumentException if windowSize is below 1
     */
    public SmoothedValue(int windowSize) {
        if (windowSize < 1) {
            throw new IllegalArgumentException(
                    "SmoothedValue: expected a window of at least 1 value, got " + windowSize);
        }
        this.windowSize = windowSize;
    }

    /**
     * Adds a value.
     *
     * @param value the value
     */
    public void update(double value) {
        if (window.size() == windowSize) {
            window.removeFirst();
        }
        window.addLast(value);
        total += value;
        count++;
    }

    /** Forgets every value. */
    public void reset() {
        window.clear();
        total = 0;
        count = 0;
    }

    /** @return the number of values since creation or the last reset */
    public long count() {
        return count;
    }

    /** @return their sum, accumulated in arrival order */
    public double total() {
        return total;
    }

    /** @return total / count (NaN when empty) */
    public double globalAvg() {
        return total / count;
    }

    /** @return the latest value (NaN when empty) */
    public double value() {
        return window.isEmpty() ? Double.NaN : window.peekLast();
    }

    /** @return the mean of the window (NaN when empty) */
    public double avg() {
        return window.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /**
     * The median of the window; for an even count the lower middle value, as torch.median.
     *
     * @return the median (NaN when empty)
     */
    public double median() {
        if (window.isEmpty()) {
            return Double.NaN;
        }
        double[] v = window.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v[(v.length - 1) / 2];
    }
}
