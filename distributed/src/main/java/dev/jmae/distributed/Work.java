package dev.jmae.distributed;

/**
 * A collective that was started and may still be running (torch.distributed's {@code Work}, the
 * handle an {@code async_op=True} call returns).
 *
 * <p>The buffer handed to the collective belongs to it until {@link #await()} returns: the
 * caller must neither read nor write it before. For tensor collectives, {@code await()} is also
 * where the result is copied back into the tensor, so a tensor collective must be awaited.
 */
public interface Work {

    /**
     * Blocks until the collective has finished, then (for tensor collectives, once) writes the
     * result into the tensor. Safe to call more than once and from any thread.
     *
     * @throws DistributedException if the collective failed (an MPI error, the process group's
     *     timeout, a broken group)
     */
    void await();

    /**
     * Whether the collective itself has finished (successfully or not); does not block.
     *
     * @return true when {@link #await()} would not block on communication
     */
    boolean isCompleted();

    /**
     * When the communication thread started the collective, in {@link System#nanoTime()} units.
     *
     * @return the start time in nanoseconds, or -1 while it has not started
     */
    long startNanos();

    /**
     * When the collective finished, in {@link System#nanoTime()} units.
     *
     * @return the end time in nanoseconds, or -1 while it has not finished
     */
    long endNanos();
}
