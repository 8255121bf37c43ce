package dev.jmae.tensor;

/**
 * Elementwise functions of one tensor. Each constant carries its definition in double precision,
 * which the reference backend evaluates and casts to float32 (so reference results are
 * correctly rounded up to the accuracy of {@link Math} and {@link #erf(double)}).
 */
public enum UnaryOp {
    // spotless:off: one constant per line, its body inline
    /** -x. */
    NEG { @Override public double apply(double x) { return -x; } },
    /** e^x. */
    EXP { @Override public double apply(double x) { return Math.exp(x); } },
    /** Natural logarithm (NaN for x &lt; 0, -inf at 0). */
    LOG { @Override public double apply(double x) { return Math.log(x); } },
    /** Square root. */
    SQRT { @Override public double apply(double x) { return Math.sqrt(x); } },
    /** 1/sqrt(x). */
    RSQRT { @Override public double apply(double x) { return 1.0 / Math.sqrt(x); } },
    /** Hyperbolic tangent. */
    TANH { @Override public double apply(double x) { return Math.tanh(x); } },
    /** The error function, 2/sqrt(pi) times the integral of e^(-t^2) from 0 to x. */
    ERF { @Override public double apply(double x) { return erf(x); } },
    /** |x|. */
    ABS { @Override public double apply(double x) { return Math.abs(x); } },
    /** x^2. */
    SQUARE { @Override public double apply(double x) { return x * x; } },
    /** 1/x. */
    RECIPROCAL { @Override public double apply(double x) { return 1.0 / x; } },
    /** 1/(1+e^-x). */
    SIGMOID { @Override public double apply(double x) { return 1.0 / (1.0 + Math.exp(-x)); } },
    /** -1, 0 or 1 (NaN stays NaN). */
    SIGN { @Override public double apply(double x) { return Math.signum(x); } };
    // spotless:on

    /**
     * The function in double precision.
     *
     * @param x the argument
     * @return f(x)
     */
    public abstract double apply(double x);

    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;

    /**
     * The error function in double precision, accurate to a few units in the last place of a
     * double: erf(x) = 2/sqrt(pi) * e^(-x^2) * sum_{n>=0} 2^n x^(2n+1) / (1*3*...*(2n+1)). Every
     * term is positive, so the series has no cancellation; beyond |x| = 6, erf is within 1e-17
     * of +-1.
     *
     * @param x the argument
     * @return erf(x)
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return Double.NaN;
        }
        double ax = Math.abs(x);
        if (ax > 6.0) {
            return Math.copySign(1.0, x);
        }
        double x2 = ax * ax;
        double term = ax;
        double sum = ax;
        for (int n = 1; n < 200; n++) {
            term *= 2.0 * x2 / (2 * n + 1);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        return Math.copySign(Math.min(1.0, TWO_OVER_SQRT_PI * Math.exp(-x2) * sum), x);
    }
}
