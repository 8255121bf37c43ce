package dev.jmae.tensor;

/** Reductions over one or more dimensions. */
public enum ReduceOp {
    /** The sum. */
    SUM,
    /** The arithmetic mean (sum divided by the number of reduced elements). */
    MEAN,
    /** The largest element (NaN if any element is NaN). */
    MAX,
    /** The smallest element (NaN if any element is NaN). */
    MIN
}
