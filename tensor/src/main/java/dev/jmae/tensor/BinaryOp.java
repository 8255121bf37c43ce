package dev.jmae.tensor;

/**
 * Elementwise functions of two tensors (broadcast to a common shape) or of a tensor and a
 * scalar. Comparisons return 1 for true and 0 for false, as float32.
 */
public enum BinaryOp {
    // spotless:off: one constant per line, its body inline
    /** a + b. */
    ADD { @Override public double apply(double a, double b) { return a + b; } },
    /** a - b. */
    SUB { @Override public double apply(double a, double b) { return a - b; } },
    /** a * b. */
    MUL { @Override public double apply(double a, double b) { return a * b; } },
    /** a / b. */
    DIV { @Override public double apply(double a, double b) { return a / b; } },
    /** a^b ({@link Math#pow}). */
    POW { @Override public double apply(double a, double b) { return Math.pow(a, b); } },
    /** The larger of a and b; NaN if either is NaN (torch.maximum). */
    MAXIMUM { @Override public double apply(double a, double b) { return Math.max(a, b); } },
    /** The smaller of a and b; NaN if either is NaN (torch.minimum). */
    MINIMUM { @Override public double apply(double a, double b) { return Math.min(a, b); } },
    /** 1 if a == b. */
    EQ { @Override public double apply(double a, double b) { return a == b ? 1 : 0; } },
    /** 1 if a != b. */
    NE { @Override public double apply(double a, double b) { return a != b ? 1 : 0; } },
    /** 1 if a &lt; b. */
    LT { @Override public double apply(double a, double b) { return a < b ? 1 : 0; } },
    /** 1 if a &lt;= b. */
    LE { @Override public double apply(double a, double b) { return a <= b ? 1 : 0; } },
    /** 1 if a &gt; b. */
    GT { @Override public double apply(double a, double b) { return a > b ? 1 : 0; } },
    /** 1 if a &gt;= b. */
    GE { @Override public double apply(double a, double b) { return a >= b ? 1 : 0; } };
    // spotless:on

    /**
     * The function in double precision.
     *
     * @param a first argument
     * @param b second argument
     * @return f(a, b)
     */
    public abstract double apply(double a, double b);

    /**
     * Whether the result is 0/1 (a comparison).
     *
     * @return true for EQ, NE, LT, LE, GT, GE
     */
    public boolean isComparison() {
        return ordinal() >= EQ.ordinal();
    }
}
