package dev.jmae.tensor.reference;

import dev.jmae.tensor.BinaryOp;
import dev.jmae.tensor.ElementwiseKernels;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.UnaryOp;

import static dev.jmae.tensor.reference.ReferenceBackend.data;
import static dev.jmae.tensor.reference.ReferenceBackend.forEach;

/**
 * Reference elementwise kernels: fill, copy, unary and binary maps and {@code where}, one element
 * at a time over a {@link dev.jmae.tensor.StridedLoop} plan; maps evaluated in double
 * ({@link UnaryOp#apply}, {@link BinaryOp#apply}) and rounded to float32 once.
 */
public final class ReferenceElementwise implements ElementwiseKernels {

    /** Creates the kernels (one instance per reference backend). */
    public ReferenceElementwise() {
    }

    @Override
    public void fill(Tensor out, float value) {
        float[] o = data(out);
        forEach(out.shape(), new Tensor[] {out}, (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                o[off[0] + i * st[0]] = value;
            }
        });
    }

    @Override
    public void copy(Tensor out, Tensor src) {
        float[] o = data(out);
        float[] s = data(src);
        forEach(out.shape(), new Tensor[] {out, src}, (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                o[off[0] + i * st[0]] = s[off[1] + i * st[1]];
            }
        });
    }

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        float[] o = data(out);
        float[] a = data(x);
        forEach(out.shape(), new Tensor[] {out, x}, (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                o[off[0] + i * st[0]] = (float) op.apply(a[off[1] + i * st[1]]);
            }
        });
    }

    @Override
    public void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        float[] o = data(out);
        float[] x = data(a);
        float[] y = data(b);
        forEach(out.shape(), new Tensor[] {out, a, b}, (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                o[off[0] + i * st[0]] = (float) op.apply(x[off[1] + i * st[1]], y[off[2] + i * st[2]]);
            }
        });
    }

    @Override
    public void binaryScalar(BinaryOp op, Tensor out, Tensor a, float scalar) {
        float[] o = data(out);
        float[] x = data(a);
        forEach(out.shape(), new Tensor[] {out, a}, (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                o[off[0] + i * st[0]] = (float) op.apply(x[off[1] + i * st[1]], scalar);
            }
        });
    }

    @Override
    public void where(Tensor out, Tensor cond, Tensor a, Tensor b) {
        float[] o = data(out);
        float[] c = data(cond);
        float[] x = data(a);
        float[] y = data(b);
        forEach(out.shape(), new Tensor[] {out, cond, a, b}, (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                o[off[0] + i * st[0]] = c[off[1] + i * st[1]] != 0 ? x[off[2] + i * st[2]] : y[off[3] + i * st[3]];
            }
        });
    }
}
