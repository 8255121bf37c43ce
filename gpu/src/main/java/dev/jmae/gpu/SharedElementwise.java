package dev.jmae.gpu;

import dev.jmae.tensor.BinaryOp;
import dev.jmae.tensor.ElementwiseKernels;
import dev.jmae.tensor.Storage;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.UnaryOp;

import java.util.Locale;

/**
 * Host side of {@code kernels/elementwise.c}: fill, copy, unary, binary, binaryScalar and where over
 * strided operands, one kernel per op ({@code unaryExp}, {@code binaryAdd}, ...). Each launch
 * covers a {@link StridedPlan} in row chunks of VW elements (16 on CPU drivers, 4 on GPUs); when
 * every operand is dense the {@code ...Contiguous} kernels run instead, and contiguous fill and
 * copy use the driver's fill and copy commands.
 *
 * <p>Shared by the OpenCL backend ({@code ClElementwise}, both variants) and the CUDA backend
 * ({@code CudaElementwise}, the GPU variant's planning), which launch through their {@link KernelLauncher}.
 */
public abstract class SharedElementwise implements ElementwiseKernels {

    private static final String FILE = "elementwise.c";

    /** The runtime the kernels are launched on. */
    protected final KernelLauncher launcher;

    /**
     * Creates the family on a runtime.
     *
     * @param launcher the device's launcher
     */
    protected SharedElementwise(KernelLauncher launcher) {
        this.launcher = launcher;
    }

    /** The kernel name suffix of an op: NEG -> Neg, RECIPROCAL -> Reciprocal. */
    static String camel(Enum<?> op) {
        String n = op.name();
        return n.charAt(0) + n.substring(1).toLowerCase(Locale.ROOT);
    }

    /** Elements per work-item; must match VW in common.h. */
    private int vectorWidth() {
        return launcher.variant() == Variant.GPU ? 4 : 16;
    }

    /** Global size for one packed struct: rows times chunks of VW along the last merged dim. */
    private long[] global(int[] struct) {
        int rank = struct[0];
        int numel = struct[1];
        int len = rank == 0 ? 1 : struct[2 + rank - 1];
        if (numel == 0 || len == 0) {
            return new long[] {0};
        }
        long rows = numel / len;
        int vw = vectorWidth();
        return new long[] {rows * ((len + vw - 1) / vw)};
    }

    private void run(String kernel, StridedPlan plan, Object... args) {
        long[] local = {launcher.elementwiseGroup()};
        for (int[] s : plan.structs()) {
            Object[] all = new Object[args.length];
            for (int i = 0; i < args.length; i++) {
                all[i] = args[i] == plan ? s : args[i];
            }
            launcher.launch(FILE, kernel, global(s), local, all);
        }
    }

    /** @return the device storage of a tensor (a kernel argument) */
    protected static Storage storage(Tensor t) {
        return t.storage();
    }

    @Override
    public void fill(Tensor out, float value) {
        StridedPlan p = StridedPlan.of(out.shape(), out);
        if (p.isContiguous(0)) {
            launcher.fill(storage(out), p.offset(0), p.numel(), value);
            return;
        }
        run("fill", p, storage(out), p, value);
    }

    @Override
    public void copy(Tensor out, Tensor src) {
        StridedPlan p = StridedPlan.of(out.shape(), out, src);
        if (p.isContiguous(0) && p.isContiguous(1)) {
            launcher.copy(storage(src), p.offset(1), storage(out), p.offset(0), p.numel());
            return;
        }
        run("copy", p, storage(out), storage(src), p);
    }

    /** Launches a {@code ...Contiguous} kernel over n dense elements. */
    private void runContiguous(String kernel, int n, Object... args) {
        int vw = vectorWidth();
        launcher.launch(FILE, kernel + "Contiguous", new long[] {(n + vw - 1) / vw},
                new long[] {launcher.elementwiseGroup()}, args);
    }

    private static boolean allContiguous(StridedPlan p, int operands) {
        for (int k = 0; k < operands; k++) {
            if (!p.isContiguous(k)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        StridedPlan p = StridedPlan.of(out.shape(), out, x);
        String kernel = "unary" + camel(op);
        if (allContiguous(p, 2)) {
            runContiguous(kernel, p.numel(), storage(out), p.offset(0), storage(x),
                    p.offset(1), p.numel());
            return;
        }
        run(kernel, p, storage(out), storage(x), p);
    }

    @Override
    public void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        StridedPlan p = StridedPlan.of(out.shape(), out, a, b);
        String kernel = "binary" + camel(op);
        if (allContiguous(p, 3)) {
            runContiguous(kernel, p.numel(), storage(out), p.offset(0), storage(a),
                    p.offset(1), storage(b), p.offset(2), p.numel());
            return;
        }
        run(kernel, p, storage(out), storage(a), storage(b), p);
    }

    @Override
    public void binaryScalar(BinaryOp op, Tensor out, Tensor a, float scalar) {
        StridedPlan p = StridedPlan.of(out.shape(), out, a);
        String kernel = "binaryScalar" + camel(op);
        if (allContiguous(p, 2)) {
            runContiguous(kernel, p.numel(), storage(out), p.offset(0), storage(a),
                    p.offset(1), p.numel(), scalar);
            return;
        }
        run(kernel, p, storage(out), storage(a), p, scalar);
    }

    @Override
    public void where(Tensor out, Tensor cond, Tensor a, Tensor b) {
        StridedPlan p = StridedPlan.of(out.shape(), out, cond, a, b);
        run("where", p, storage(out), storage(cond), storage(a),
                storage(b), p);
    }
}
