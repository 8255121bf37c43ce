package dev.jmae.nn.parallel;

/**
 * What one synchronized backward pass of {@link DistributedDataParallel} spent on communication,
 * and how much of it ran while backward was still computing. Times are {@link System#nanoTime()}
 * differences, in nanoseconds.
 *
 * <p>A bucket's all-reduce runs on the process group's communication thread from {@code start}
 * to {@code end}; backward's computation ends when the autograd engine has processed its last
 * node ({@code computeEnd}, where DDP's end-of-pass callback begins). Then:
 * {@code allReduceNanos = Σ (end − start)}, {@code hiddenNanos = Σ max(0, min(end, computeEnd) −
 * start)} (communication overlapped with backward), {@code exposedNanos = allReduceNanos −
 * hiddenNanos}; {@code waitNanos} is how long backward's thread then blocked waiting for the
 * buckets (the exposed communication plus queueing behind it), the step time DDP adds.
 *
 * @param buckets the number of buckets all-reduced
 * @param bytes the bytes all-reduced (4 per gradient element)
 * @param bucketsLaunchedDuringBackward buckets whose all-reduce was started before computeEnd
 * @param allReduceNanos total all-reduce time on the communication thread
 * @param hiddenNanos the part of it before computeEnd
 * @param exposedNanos the part of it after computeEnd
 * @param waitNanos time backward's thread blocked at the end of the pass
 * @param copyNanos time spent copying gradients into buckets and back (on backward's thread)
 * @param bucketLaunchNanos per bucket, when its all-reduce was queued ({@code nanoTime})
 * @param computeEndNanos when backward's computation ended ({@code nanoTime})
 */
public record StepStats(int buckets, long bytes, int bucketsLaunchedDuringBackward, long allReduceNanos,
                        long hiddenNanos, long exposedNanos, long waitNanos, long copyNanos, long[] bucketLaunchNanos,
                        long computeEndNanos) {

    /**
     * The share of all-reduce time hidden behind backward.
     *
     * @return hiddenNanos / allReduceNanos, in [0, 1]; 1 when nothing was all-reduced
     */
    public double hiddenFraction() {
        return allReduceNanos == 0 ? 1 : (double) hiddenNanos / allReduceNanos;
    }

    @Override
    public String toString() {
        return String.format("StepStats(%d buckets, %.1f MB, %d launched during backward, all-reduce %.2f ms,"
                + " hidden %.2f ms (%.0f%%), exposed %.2f ms, wait %.2f ms, copies %.2f ms)", buckets, bytes / 1e6,
                bucketsLaunchedDuringBackward, allReduceNanos / 1e6, hiddenNanos / 1e6, 100 * hiddenFraction(),
                exposedNanos / 1e6, waitNanos / 1e6, copyNanos / 1e6);
    }
}
