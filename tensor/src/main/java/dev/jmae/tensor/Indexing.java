package dev.jmae.tensor;

import java.util.ArrayList;
import java.util.List;

/** Validation and dispatch of cat, stack, gather, scatter, indexSelect and argsort. */
final class Indexing {

    private Indexing() {
    }

    static Tensor cat(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("cat: expected at least one tensor, got none");
        }
        Tensor first = tensors.get(0);
        int d = Shape.normalizeDim("cat", dim, first.ndim());
        int[] shape = first.shape();
        int total = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            t.checkLive();
            Elementwise.sameDevice("cat", first, t);
            int[] s = t.shape();
            boolean ok = s.length == shape.length;
            for (int j = 0; ok && j < s.length; j++) {
                ok = j == d || s[j] == shape[j];
            }
            if (!ok) {
                throw new IllegalArgumentException("cat: tensor " + i + " has shape " + Shape.format(s)
                        + ", expected " + Shape.format(shape) + " except along dim " + d);
            }
            total += s[d];
        }
        shape[d] = total;
        Tensor out = Tensor.empty(first.device(), shape);
        int off = 0;
        for (Tensor t : tensors) {
            int n = t.size(d);
            if (n > 0) {
                first.backend().elementwise().copy(out.narrow(d, off, n), t);
            }
            off += n;
        }
        return out;
    }

    static Tensor stack(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("stack: expected at least one tensor, got none");
        }
        int[] shape = tensors.get(0).shape();
        int d = Shape.normalizeNewDim("stack", dim, shape.length);
        List<Tensor> parts = new ArrayList<>(tensors.size());
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            if (!java.util.Arrays.equals(t.shape(), shape)) {
                throw new IllegalArgumentException("stack: tensor " + i + " has shape " + Shape.format(t.shape())
                        + ", expected " + Shape.format(shape) + " like tensor 0");
            }
            parts.add(t.unsqueeze(d));
        }
        return cat(parts, d);
    }

    static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        x.checkLive();
        index.checkLive();
        Elementwise.sameDevice("indexSelect", x, index);
        int d = Shape.normalizeDim("indexSelect", dim, x.ndim());
        if (index.ndim() != 1) {
            throw new IllegalArgumentException("indexSelect: expected a 1-d index, got " + Shape.format(index.shape()));
        }
        int[] shape = x.shape();
        shape[d] = index.size(0);
        Tensor out = Tensor.empty(x.device(), shape);
        x.backend().indexing().indexSelect(out, x.contiguous(), index.contiguous(), d);
        return out;
    }

    private static int checkIndexShape(String op, Tensor x, int dim, Tensor index) {
        int d = Shape.normalizeDim(op, dim, x.ndim());
        if (index.ndim() != x.ndim()) {
            throw new IllegalArgumentException(op + ": index must have the rank of the input " + Shape.format(x.shape())
                    + ", got " + Shape.format(index.shape()));
        }
        for (int i = 0; i < x.ndim(); i++) {
            if (i != d && index.size(i) > x.size(i)) {
                throw new IllegalArgumentException(op + ": index " + Shape.format(index.shape())
                        + " is larger than the input " + Shape.format(x.shape()) + " in dim " + i);
            }
        }
        return d;
    }

    static Tensor gather(Tensor x, int dim, Tensor index) {
        x.checkLive();
        index.checkLive();
        Elementwise.sameDevice("gather", x, index);
        int d = checkIndexShape("gather", x, dim, index);
        Tensor out = Tensor.empty(x.device(), index.shape());
        x.backend().indexing().gather(out, x.contiguous(), index.contiguous(), d);
        return out;
    }

    static Tensor scatter(Tensor x, int dim, Tensor index, Tensor src, boolean add) {
        String op = add ? "scatterAdd" : "scatter";
        x.checkLive();
        index.checkLive();
        src.checkLive();
        Elementwise.sameDevice(op, x, index);
        Elementwise.sameDevice(op, x, src);
        int d = checkIndexShape(op, x, dim, index);
        if (!java.util.Arrays.equals(src.shape(), index.shape())) {
            throw new IllegalArgumentException(op + ": src must have the index's shape " + Shape.format(index.shape())
                    + ", got " + Shape.format(src.shape()));
        }
        Tensor out = x.copy();
        x.backend().indexing().scatter(out, index.contiguous(), src.contiguous(), d, add);
        return out;
    }

    static Tensor argsort(Tensor x, int dim, boolean descending) {
        x.checkLive();
        if (x.ndim() == 0) {
            Shape.normalizeDim("argsort", dim, 0, true);
            return Tensor.zeros(x.device());
        }
        int d = Shape.normalizeDim("argsort", dim, x.ndim());
        int last = x.ndim() - 1;
        Tensor xt = (d == last ? x : x.transpose(d, last)).contiguous();
        Tensor out = Tensor.empty(x.device(), xt.shape());
        x.backend().indexing().argsort(out, xt, descending);
        return d == last ? out : out.transpose(d, last);
    }
}
