package dev.jmae.tensor;

import java.util.Arrays;

/** Validation and dispatch of matmul and linear. */
final class Linalg {

    private Linalg() {
    }

    static Tensor matmul(Tensor a, Tensor b, Tensor bias) {
        a.checkLive();
        b.checkLive();
        Elementwise.sameDevice("matmul", a, b);
        if (a.ndim() == 0 || b.ndim() == 0) {
            throw new IllegalArgumentException(
                    "matmul: both operands need at least 1 dim, got " + Shape.format(a.shape())
                            + " and " + Shape.format(b.shape()));
        }
        boolean aVec = a.ndim() == 1;
        boolean bVec = b.ndim() == 1;
        Tensor a2 = aVec ? a.unsqueeze(0) : a;
        Tensor b2 = bVec ? b.unsqueeze(1) : b;
        int m = a2.size(-2);
        int k = a2.size(-1);
        int n = b2.size(-1);
        if (b2.size(-2) != k) {
            throw new IllegalArgumentException(
                    "matmul: expected [..., M, K] x [..., K, N], got " + Shape.format(a.shape())
                            + " x " + Shape.format(b.shape()) + " (K " + k + " vs " + b2.size(-2) + ")");
        }
        if (bias != null) {
            bias.checkLive();
            Elementwise.sameDevice("matmul", a, bias);
            if (bias.ndim() != 1 || bias.size(0) != n) {
                throw new IllegalArgumentException(
                        "matmul: expected a bias of shape [" + n + "], got " + Shape.format(bias.shape()));
            }
        }
        int[] batchA = Arrays.copyOf(a2.shape(), a2.ndim() - 2);
        int[] batchB = Arrays.copyOf(b2.shape(), b2.ndim() - 2);
        int[] batch = Shape.broadcast("matmul", batchA, batchB);
        int[] aShape = Arrays.copyOf(batch, batch.length + 2);
        aShape[batch.length] = m;
        aShape[batch.length + 1] = k;
        int[] bShape = Arrays.copyOf(batch, batch.length + 2);
        bShape[batch.length] = k;
        bShape[batch.length + 1] = n;
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        Tensor out = Tensor.empty(a.device(), outShape);
        a.backend().linalg().matmul(out, a2.expand(aShape), b2.expand(bShape), bias);
        if (aVec) {
            out = out.squeeze(-2);
        }
        if (bVec) {
            out = out.squeeze(-1);
        }
        return out;
    }

    static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (weight.ndim() != 2) {
            throw new IllegalArgumentException(
                    "linear: expected a weight [out, in], got " + Shape.format(weight.shape()));
        }
        int out = weight.size(0);
        int in = weight.size(1);
        if (x.ndim() == 0 || x.size(-1) != in) {
            throw new IllegalArgumentException("linear(in=" + in + ", out=" + out + "): expected input [..., " + in
                    + "], got " + Shape.format(x.shape()));
        }
        if (bias != null && (bias.ndim() != 1 || bias.size(0) != out)) {
            throw new IllegalArgumentException(
                    "linear(in=" + in + ", out=" + out + "): expected bias [" + out + "], got "
                            + Shape.format(bias.shape()));
        }
        return matmul(x, weight.transpose(0, 1), bias);
    }
}
