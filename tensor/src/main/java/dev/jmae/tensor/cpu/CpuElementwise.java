package dev.jmae.tensor.cpu;

import dev.jmae.tensor.BinaryOp;
import dev.jmae.tensor.ElementwiseKernels;
import dev.jmae.tensor.StridedLoop;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static dev.jmae.tensor.cpu.CpuBackend.data;
import static dev.jmae.tensor.cpu.CpuBackend.forEachRow;

/**
 * CPU elementwise kernels (fill, copy, unary and binary maps, where) and the Vector API row loops
 * behind them, float32 throughout. Strided operands are walked row by row over a
 * {@link StridedLoop} plan (split across the {@link Parallel} pool when large); within a row,
 * contiguous rows are processed in vectors of {@code SPECIES_PREFERRED} lanes with a scalar tail;
 * the scalar forms are used for tails and strided rows. contiguous rows are processed
 * in vectors of {@code SPECIES_PREFERRED} lanes with a scalar tail; the scalar forms are used for
 * tails and strided rows. Rows may alias (out == input) since each vector is loaded before it is
 * stored.
 *
 * <p>The hot ops (add, sub, mul, div, max, min; neg, exp, sqrt, rsqrt, square, abs, reciprocal,
 * erf) each have their own loop, so every Vector API call sits directly in a loop that C2
 * compiles with intrinsics. A shared per-op vector method would exceed C2's inlining budget,
 * and its vectors would then be boxed, which is several times slower. Comparisons, sigmoid and
 * sign share a generic loop.
 *
 * <p>Determinism: every op gives the same bits whether its loop is interpreted or compiled. exp
 * is {@link VectorMath#exp} (the Vector API's EXP intrinsic and its interpreter fallback differ
 * in the last bit); log, tanh and pow run in scalar Java for the same reason.
 */
final class CpuElementwise implements ElementwiseKernels {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    CpuElementwise() {
    }

    // ---- the family: strided operands, row by row over a StridedLoop plan ----

    @Override
    public void fill(Tensor out, float value) {
        float[] o = data(out);
        forEachRow(StridedLoop.of(out.shape(), out), (off, n, st) -> {
            if (st[0] == 1) {
                Arrays.fill(o, off[0], off[0] + n, value);
            } else {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = value;
                }
            }
        });
    }

    @Override
    public void copy(Tensor out, Tensor src) {
        float[] o = data(out);
        float[] s = data(src);
        forEachRow(StridedLoop.of(out.shape(), out, src), (off, n, st) -> {
            if (st[0] == 1 && st[1] == 1) {
                System.arraycopy(s, off[1], o, off[0], n);
            } else if (st[1] == 0) {
                float v = s[off[1]];
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = v;
                }
            } else {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = s[off[1] + i * st[1]];
                }
            }
        });
    }

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        float[] o = data(out);
        float[] a = data(x);
        forEachRow(StridedLoop.of(out.shape(), out, x), (off, n, st) -> {
            if (st[0] == 1 && st[1] == 1) {
                CpuElementwise.unary(op, o, off[0], a, off[1], n);
            } else {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = CpuElementwise.unary(op, a[off[1] + i * st[1]]);
                }
            }
        });
    }

    @Override
    public void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        float[] o = data(out);
        float[] x = data(a);
        float[] y = data(b);
        forEachRow(StridedLoop.of(out.shape(), out, a, b), (off, n, st) -> {
            if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
                CpuElementwise.binary(op, o, off[0], x, off[1], y, off[2], n);
            } else if (st[0] == 1 && st[1] == 1 && st[2] == 0) {
                CpuElementwise.binaryScalar(op, o, off[0], x, off[1], y[off[2]], n);
            } else if (st[0] == 1 && st[1] == 0 && st[2] == 1) {
                CpuElementwise.scalarBinary(op, o, off[0], x[off[1]], y, off[2], n);
            } else {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = CpuElementwise.binary(op, x[off[1] + i * st[1]], y[off[2] + i * st[2]]);
                }
            }
        });
    }

    @Override
    public void binaryScalar(BinaryOp op, Tensor out, Tensor a, float scalar) {
        float[] o = data(out);
        float[] x = data(a);
        forEachRow(StridedLoop.of(out.shape(), out, a), (off, n, st) -> {
            if (st[0] == 1 && st[1] == 1) {
                CpuElementwise.binaryScalar(op, o, off[0], x, off[1], scalar, n);
            } else {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = CpuElementwise.binary(op, x[off[1] + i * st[1]], scalar);
                }
            }
        });
    }

    @Override
    public void where(Tensor out, Tensor cond, Tensor a, Tensor b) {
        float[] o = data(out);
        float[] c = data(cond);
        float[] x = data(a);
        float[] y = data(b);
        forEachRow(StridedLoop.of(out.shape(), out, cond, a, b), (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                o[off[0] + i * st[0]] = c[off[1] + i * st[1]] != 0 ? x[off[2] + i * st[2]] : y[off[3] + i * st[3]];
            }
        });
    }

    // ---- scalar forms (tails, strided rows) ----

    static float unary(UnaryOp op, float x) {
        return switch (op) {
            case NEG -> -x;
            case EXP -> VectorMath.exp(x);
            case LOG -> (float) Math.log(x);
            case SQRT -> (float) Math.sqrt(x);
            case RSQRT -> (float) (1.0 / Math.sqrt(x));
            case TANH -> (float) Math.tanh(x);
            case ERF -> VectorMath.erf(x);
            case ABS -> Math.abs(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1f / x;
            case SIGMOID -> 1f / (1f + VectorMath.exp(-x));
            case SIGN -> Math.signum(x);
        };
    }

    static float binary(BinaryOp op, float a, float b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> (float) Math.pow(a, b);
            case MAXIMUM -> Math.max(a, b);
            case MINIMUM -> Math.min(a, b);
            case EQ -> a == b ? 1f : 0f;
            case NE -> a != b ? 1f : 0f;
            case LT -> a < b ? 1f : 0f;
            case LE -> a <= b ? 1f : 0f;
            case GT -> a > b ? 1f : 0f;
            case GE -> a >= b ? 1f : 0f;
        };
    }

    // ---- unary rows ----

    static void unary(UnaryOp op, float[] o, int oo, float[] a, int ao, int n) {
        int upper = S.loopBound(n);
        int i = 0;
        switch (op) {
            case NEG -> {
                for (; i < upper; i += L) {
                    FloatVector.fromArray(S, a, ao + i).neg().intoArray(o, oo + i);
                }
            }
            case EXP -> {
                for (; i < upper; i += L) {
                    VectorMath.exp(FloatVector.fromArray(S, a, ao + i)).intoArray(o, oo + i);
                }
            }
            case SQRT -> {
                for (; i < upper; i += L) {
                    FloatVector.fromArray(S, a, ao + i).sqrt().intoArray(o, oo + i);
                }
            }
            case RSQRT -> {
                FloatVector one = FloatVector.broadcast(S, 1f);
                for (; i < upper; i += L) {
                    one.div(FloatVector.fromArray(S, a, ao + i).sqrt()).intoArray(o, oo + i);
                }
            }
            case SQUARE -> {
                for (; i < upper; i += L) {
                    FloatVector v = FloatVector.fromArray(S, a, ao + i);
                    v.mul(v).intoArray(o, oo + i);
                }
            }
            case ABS -> {
                for (; i < upper; i += L) {
                    FloatVector.fromArray(S, a, ao + i).abs().intoArray(o, oo + i);
                }
            }
            case RECIPROCAL -> {
                FloatVector one = FloatVector.broadcast(S, 1f);
                for (; i < upper; i += L) {
                    one.div(FloatVector.fromArray(S, a, ao + i)).intoArray(o, oo + i);
                }
            }
            case ERF -> {
                for (; i < upper; i += L) {
                    VectorMath.erf(FloatVector.fromArray(S, a, ao + i)).intoArray(o, oo + i);
                }
            }
            case SIGMOID, SIGN -> {
                for (; i < upper; i += L) {
                    rareUnary(op, FloatVector.fromArray(S, a, ao + i)).intoArray(o, oo + i);
                }
            }
            default -> {
                // LOG and TANH: the Vector API's intrinsics give different bits cold and warm; the
                // scalar loop below (Math.log, Math.tanh) is deterministic
            }
        }
        for (; i < n; i++) {
            o[oo + i] = unary(op, a[ao + i]);
        }
    }

    private static FloatVector rareUnary(UnaryOp op, FloatVector x) {
        return switch (op) {
            case SIGMOID -> FloatVector.broadcast(S, 1f).div(VectorMath.exp(x.neg()).add(1f));
            case SIGN -> {
                FloatVector s = FloatVector.zero(S).blend(1f, x.compare(VectorOperators.GT, 0f))
                        .blend(-1f, x.compare(VectorOperators.LT, 0f));
                // keep NaN and the sign of zero, like Math.signum
                yield s.blend(x, x.compare(VectorOperators.EQ, 0f).or(x.test(VectorOperators.IS_NAN)));
            }
            default -> throw new IllegalStateException("no generic vector form for " + op);
        };
    }

    // ---- binary rows: vector op vector, vector op scalar, scalar op vector ----

    static void binary(BinaryOp op, float[] o, int oo, float[] a, int ao, float[] b, int bo, int n) {
        int upper = S.loopBound(n);
        int i = 0;
        switch (op) {
            case ADD -> {
                for (; i < upper; i += L) {
                    FloatVector.fromArray(S, a, ao + i).add(FloatVector.fromArray(S, b, bo + i)).intoArray(o, oo + i);
                }
            }
            case SUB -> {
                for (; i < upper; i += L) {
                    FloatVector.fromArray(S, a, ao + i).sub(FloatVector.fromArray(S, b, bo + i)).intoArray(o, oo + i);
                }
            }
            case MUL -> {
                for (; i < upper; i += L) {
                    FloatVector.fromArray(S, a, ao + i).mul(FloatVector.fromArray(S, b, bo + i)).intoArray(o, oo + i);
                }
            }
            case DIV -> {
                for (; i < upper; i += L) {
                    FloatVector.fromArray(S, a, ao + i).div(FloatVector.fromArray(S, b, bo + i)).intoArray(o, oo + i);
                }
            }
            case MAXIMUM -> {
                for (; i < upper; i += L) {
                    FloatVector.fromArray(S, a, ao + i).max(FloatVector.fromArray(S, b, bo + i)).intoArray(o, oo + i);
                }
            }
            case MINIMUM -> {
                for (; i < upper; i += L) {
                    FloatVector.fromArray(S, a, ao + i).min(FloatVector.fromArray(S, b, bo + i)).intoArray(o, oo + i);
                }
            }
            case POW -> {
                // Math.pow in the scalar loop below: the POW intrinsic's bits depend on JIT state
            }
            default -> {
                for (; i < upper; i += L) {
                    rareBinary(op, FloatVector.fromArray(S, a, ao + i), FloatVector.fromArray(S, b, bo + i))
                            .intoArray(o, oo + i);
                }
            }
        }
        for (; i < n; i++) {
            o[oo + i] = binary(op, a[ao + i], b[bo + i]);
        }
    }

    static void binaryScalar(BinaryOp op, float[] o, int oo, float[] a, int ao, float b, int n) {
        int upper = S.loopBound(n);
        int i = 0;
        FloatVector vb = FloatVector.broadcast(S, b);
        switch (op) {
            case ADD -> {
                for (; i < upper; i += L) {
                    FloatVector.fromArray(S, a, ao + i).add(vb).intoArray(o, oo + i);
                }
            }
            case SUB -> {
                for (; i < upper; i += L) {
                    FloatVector.fromArray(S, a, ao + i).sub(vb).intoArray(o, oo + i);
                }
            }
            case MUL -> {
                for (; i < upper; i += L) {
                    FloatVector.fromArray(S, a, ao + i).mul(vb).intoArray(o, oo + i);
                }
            }
            case DIV -> {
                for (; i < upper; i += L) {
                    FloatVector.fromArray(S, a, ao + i).div(vb).intoArray(o, oo + i);
                }
            }
            case MAXIMUM -> {
                for (; i < upper; i += L) {
                    FloatVector.fromArray(S, a, ao + i).max(vb).intoArray(o, oo + i);
                }
            }
            case MINIMUM -> {
                for (; i < upper; i += L) {
                    FloatVector.fromArray(S, a, ao + i).min(vb).intoArray(o, oo + i);
                }
            }
            case POW -> {
                // scalar loop below (deterministic Math.pow)
            }
            default -> {
                for (; i < upper; i += L) {
                    rareBinary(op, FloatVector.fromArray(S, a, ao + i), vb).intoArray(o, oo + i);
                }
            }
        }
        for (; i < n; i++) {
            o[oo + i] = binary(op, a[ao + i], b);
        }
    }

    static void scalarBinary(BinaryOp op, float[] o, int oo, float a, float[] b, int bo, int n) {
        int upper = S.loopBound(n);
        int i = 0;
        FloatVector va = FloatVector.broadcast(S, a);
        switch (op) {
            case ADD -> {
                for (; i < upper; i += L) {
                    va.add(FloatVector.fromArray(S, b, bo + i)).intoArray(o, oo + i);
                }
            }
            case SUB -> {
                for (; i < upper; i += L) {
                    va.sub(FloatVector.fromArray(S, b, bo + i)).intoArray(o, oo + i);
                }
            }
            case MUL -> {
                for (; i < upper; i += L) {
                    va.mul(FloatVector.fromArray(S, b, bo + i)).intoArray(o, oo + i);
                }
            }
            case DIV -> {
                for (; i < upper; i += L) {
                    va.div(FloatVector.fromArray(S, b, bo + i)).intoArray(o, oo + i);
                }
            }
            case POW -> {
                // scalar loop below (deterministic Math.pow)
            }
            default -> {
                for (; i < upper; i += L) {
                    rareBinary(op, va, FloatVector.fromArray(S, b, bo + i)).intoArray(o, oo + i);
                }
            }
        }
        for (; i < n; i++) {
            o[oo + i] = binary(op, a, b[bo + i]);
        }
    }

    private static FloatVector rareBinary(BinaryOp op, FloatVector a, FloatVector b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
            case POW -> throw new IllegalStateException("pow runs in the scalar loop");
            case MAXIMUM -> a.max(b);
            case MINIMUM -> a.min(b);
            case EQ -> select(a.compare(VectorOperators.EQ, b));
            case NE -> select(a.compare(VectorOperators.NE, b));
            case LT -> select(a.compare(VectorOperators.LT, b));
            case LE -> select(a.compare(VectorOperators.LE, b));
            case GT -> select(a.compare(VectorOperators.GT, b));
            case GE -> select(a.compare(VectorOperators.GE, b));
        };
    }

    private static FloatVector select(VectorMask<Float> m) {
        return FloatVector.zero(S).blend(1f, m);
    }
}
