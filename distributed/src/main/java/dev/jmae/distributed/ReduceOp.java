package dev.jmae.distributed;

/**
 * How a collective combines the ranks' values, elementwise (torch.distributed.ReduceOp).
 *
 * <p>{@link #AVG} is the sum divided by the world size after the reduction (division, not
 * multiplication by a reciprocal, so a world size of 1 returns the input bits); for a power-of-two
 * world size the division is exact and {@code AVG} equals summing the pre-divided values.
 */
public enum ReduceOp {
    /** The sum over ranks. */
    SUM,
    /** The sum over ranks divided by the world size. */
    AVG,
    /** The largest value over ranks. */
    MAX,
    /** The smallest value over ranks. */
    MIN
}
