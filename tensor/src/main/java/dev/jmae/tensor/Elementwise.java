package dev.jmae.tensor;

/** Validation and dispatch of elementwise ops: broadcasting, device checks, output allocation. */
final class Elementwise {

    private Elementwise() {
    }

    static void sameDevice(String op, Tensor a, Tensor b) {
        if (!a.device().equals(b.device())) {
            throw new IllegalArgumentException(op + ": tensors are on different devices, " + a.device() + " and "
                    + b.device() + "; hint: move one with .to(device)");
        }
    }

    static Tensor unary(UnaryOp op, Tensor x) {
        x.checkLive();
        Tensor out = Tensor.empty(x.device(), x.shape());
        x.backend().elementwise().unary(op, out, x);
        return out;
    }

    static Tensor binary(String name, BinaryOp op, Tensor a, Tensor b) {
        a.checkLive();
        b.checkLive();
        sameDevice(name, a, b);
        int[] shape = Shape.broadcast(name, a.shape(), b.shape());
        Tensor out = Tensor.empty(a.device(), shape);
        a.backend().elementwise().binary(op, out, a.expand(shape), b.expand(shape));
        return out;
    }

    static Tensor scalar(BinaryOp op, Tensor a, float value) {
        a.checkLive();
        Tensor out = Tensor.empty(a.device(), a.shape());
        a.backend().elementwise().binaryScalar(op, out, a, value);
        return out;
    }

    static Tensor binaryInPlace(String name, BinaryOp op, Tensor self, Tensor other) {
        self.checkWritable(name);
        other.checkLive();
        sameDevice(name, self, other);
        int[] shape = self.shape();
        int[] b = Shape.broadcast(name, shape, other.shape());
        if (!java.util.Arrays.equals(b, shape)) {
            throw new IllegalArgumentException(name + ": the operand " + Shape.format(other.shape())
                    + " does not broadcast to the in-place target's shape " + Shape.format(shape));
        }
        self.backend().elementwise().binary(op, self, self, other.expand(shape));
        return self;
    }

    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        cond.checkLive();
        a.checkLive();
        b.checkLive();
        sameDevice("where", cond, a);
        sameDevice("where", a, b);
        int[] shape = Shape.broadcast("where", Shape.broadcast("where", cond.shape(), a.shape()), b.shape());
        Tensor out = Tensor.empty(a.device(), shape);
        a.backend().elementwise().where(out, cond.expand(shape), a.expand(shape), b.expand(shape));
        return out;
    }
}
