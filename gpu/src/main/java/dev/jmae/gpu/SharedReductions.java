package dev.jmae.gpu;

import dev.jmae.tensor.ElementwiseKernels;
import dev.jmae.tensor.ReduceOp;
import dev.jmae.tensor.ReductionKernels;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Storage;
import dev.jmae.tensor.Tensor;

import java.util.Arrays;

/**
 * Host side of {@code kernels/reduce.c}: sum, mean, max, min, var and argmax over any dims of a strided
 * tensor, in float32 with Kahan-compensated sums. The launch shape is a function of the sizes and
 * strides only, so results are reproducible: on GPUs one work-item per output when slices are
 * short or outputs many and strided, else one work-group per output (and chunk, when outputs are
 * few); on CPU drivers float16 kernels with one vector lane per output (neighbouring outputs) or
 * per slice element (contiguous slices). Partial results of chunked slices are combined in chunk
 * order by a second kernel. Variance is two reductions: the mean, then the sum of squared
 * deviations from it (the same two-pass formula as the reference). Layouts that do not merge into
 * 8 dims are first copied with the reduced dims last.
 *
 * <p>Shared by the OpenCL backend ({@code ClReductions}, both variants) and the CUDA backend
 * ({@code CudaReductions}, the GPU variant's planning), which launch through their {@link KernelLauncher}.
 */
public abstract class SharedReductions implements ReductionKernels {

    private static final String FILE = "reduce.c";
    /** Kernel name suffixes of reduce.c's per-op kernels. */
    private static final String OP_SUM = "Sum";
    private static final String OP_MAX = "Max";
    private static final String OP_MIN = "Min";
    private static final String OP_SQDEV = "Sqdev";

    /** The runtime the kernels are launched on. */
    protected final KernelLauncher launcher;
    private final ElementwiseKernels elementwise;

    /**
     * Creates the family on a runtime.
     *
     * @param launcher the device's launcher
     * @param elementwise the same backend's elementwise family (for the copy of the permuted fallback)
     */
    protected SharedReductions(KernelLauncher launcher, ElementwiseKernels elementwise) {
        this.launcher = launcher;
        this.elementwise = elementwise;
    }

    /** @return the device storage of a tensor (a kernel argument) */
    protected static Storage storage(Tensor t) {
        return t.storage();
    }

    @Override
    public void reduce(ReduceOp op, Tensor out, Tensor x, int[] dims) {
        long count = count(x, dims);
        String code = switch (op) {
            case SUM, MEAN -> OP_SUM;
            case MAX -> OP_MAX;
            case MIN -> OP_MIN;
        };
        run(code, out, x, null, dims, op == ReduceOp.MEAN ? (float) count : 1f);
    }

    @Override
    public void var(Tensor out, Tensor x, int[] dims, double correction) {
        long count = count(x, dims);
        int[] shape = out.shape();
        Storage mean = launcher.scratch(Shape.numel(shape));
        try {
            Tensor m = Tensor.wrap(mean, shape, Shape.contiguousStrides(shape), 0);
            run(OP_SUM, m, x, null, dims, (float) count);
            run(OP_SQDEV, out, x, m, dims, (float) Math.max(0.0, count - correction));
        } finally {
            mean.release();
        }
    }

    private static long count(Tensor x, int[] dims) {
        long n = 1;
        for (int d : dims) {
            n *= x.size(d);
        }
        return n;
    }

    /** Outer plan: operands out, x (reduced dims irrelevant: size 1 in out's shape), center. */
    private static StridedPlan outerPlan(Tensor out, Tensor x, Tensor center) {
        int[] cs = center == null ? new int[out.ndim()] : center.strides();
        return StridedPlan.of(out.shape(), new int[][] {out.strides(), x.strides(), cs},
                new int[] {out.offset(), x.offset(), center == null ? 0 : center.offset()});
    }

    /** Inner plan: the reduced dims of x, offset 0. */
    private static StridedPlan innerPlan(Tensor x, int[] dims) {
        int[] shape = x.shape();
        int[] sliceShape = new int[shape.length];
        Arrays.fill(sliceShape, 1);
        for (int d : dims) {
            sliceShape[d] = shape[d];
        }
        return StridedPlan.of(sliceShape, new int[][] {x.strides()}, new int[] {0});
    }

    private void run(String op, Tensor out, Tensor x, Tensor center, int[] dims, float divisor) {
        StridedPlan outer = outerPlan(out, x, center);
        StridedPlan inner = innerPlan(x, dims);
        if (outer.numel() == 0) {
            return;
        }
        if (outer.rank() > StridedPlan.MAX_RANK || inner.rank() > StridedPlan.MAX_RANK) {
            runPermuted(op, out, x, center, dims, divisor);
            return;
        }
        int outputs = outer.numel();
        int count = inner.numel();
        boolean innerContiguous = inner.rank() == 0 || (inner.rank() == 1 && inner.strides(0)[0] == 1);
        Object centerArg = center == null ? storage(x) : storage(center);
        if (launcher.variant() == Variant.CPU) {
            runCpu(op, out, x, center, centerArg, outer, inner, innerContiguous, divisor);
            return;
        }
        if (count <= 64 || (!innerContiguous && outputs >= 2048)) {
            rows(op, out, x, centerArg, outer, inner, divisor);
            return;
        }
        int lanes = launcher.reductionLanes();
        int chunks = chunks(outputs, count, 256, lanes * 64L);
        int chunkLen = (int) ((count + (long) chunks - 1) / chunks);
        chunks = (count + chunkLen - 1) / chunkLen;
        long[] global = {(long) outputs * chunks * lanes};
        long[] local = {lanes};
        KernelLauncher.Local scratch = new KernelLauncher.Local(4L * lanes);
        if (chunks == 1) {
            launcher.launch(FILE, "reduce" + op, global, local, storage(out),
                    storage(x), centerArg, outer.struct(), inner.struct(), chunkLen, 1, divisor, scratch);
            return;
        }
        Storage partials = launcher.scratch(outputs * chunks);
        try {
            launcher.launch(FILE, "reduce" + op, global, local, partials, storage(x),
                    centerArg, outer.struct(), inner.struct(), chunkLen, chunks, divisor, scratch);
            finish(op, out, partials, outer, chunks, divisor);
        } finally {
            partials.release();
        }
    }

    /** One work-item per output, a sequential loop over its slice. */
    private void rows(String op, Tensor out, Tensor x, Object centerArg, StridedPlan outer, StridedPlan inner,
                      float divisor) {
        launcher.launch(FILE, "reduceRows" + op, new long[] {outer.numel()},
                new long[] {launcher.elementwiseGroup()}, storage(out), storage(x),
                centerArg, outer.struct(), inner.struct(), divisor);
    }

    private void finish(String op, Tensor out, Storage partials, StridedPlan outer, int chunks, float divisor) {
        launcher.launch(FILE, "reduceFinish" + op, new long[] {outer.numel()},
                new long[] {launcher.elementwiseGroup()}, storage(out), partials, outer.struct(), chunks,
                divisor);
    }

    /**
     * Chunks per output so that about {@code targetItems} work-groups exist when outputs are
     * few, without chunks shorter than {@code minChunk} elements. A function of sizes only.
     */
    private static int chunks(int outputs, int count, int targetItems, long minChunk) {
        if (outputs >= targetItems) {
            return 1;
        }
        int wanted = (targetItems + outputs - 1) / outputs;
        int byWork = (int) Math.max(1, count / minChunk);
        return Math.max(1, Math.min(wanted, byWork));
    }

    /**
     * CPU drivers: float16 kernels. Neighbouring outputs that are contiguous in out, x and center
     * take reduceColumns (one vector lane per output); contiguous slices take reduceVector (one
     * work-item per output and chunk, lanes along the slice); anything else reduceRows.
     */
    private void runCpu(String op, Tensor out, Tensor x, Tensor center, Object centerArg, StridedPlan outer,
                        StridedPlan inner, boolean innerContiguous, float divisor) {
        int r = outer.rank();
        boolean columns = r >= 1 && outer.shape()[r - 1] >= 16 && outer.strides(0)[r - 1] == 1
                && outer.strides(1)[r - 1] == 1 && (center == null || outer.strides(2)[r - 1] == 1);
        if (columns) {
            int len = outer.shape()[r - 1];
            long items = (long) (outer.numel() / len) * ((len + 15) / 16);
            launcher.launch(FILE, "reduceColumns" + op, new long[] {items}, new long[] {4},
                    storage(out), storage(x), centerArg, outer.struct(), inner.struct(),
                    divisor);
            return;
        }
        if (!innerContiguous) {
            rows(op, out, x, centerArg, outer, inner, divisor);
            return;
        }
        int outputs = outer.numel();
        int count = inner.numel();
        int chunks = chunks(outputs, count, 16, 4096);
        int chunkLen = (int) ((count + (long) chunks - 1) / chunks);
        chunks = Math.max(1, (count + chunkLen - 1) / Math.max(1, chunkLen));
        long[] global = {(long) outputs * chunks};
        if (chunks == 1) {
            launcher.launch(FILE, "reduceVector" + op, global, new long[] {1}, storage(out),
                    storage(x), centerArg, outer.struct(), count, Math.max(1, chunkLen), 1, divisor);
            return;
        }
        Storage partials = launcher.scratch(outputs * chunks);
        try {
            launcher.launch(FILE, "reduceVector" + op, global, new long[] {1}, partials, storage(x),
                    centerArg, outer.struct(), count, chunkLen, chunks, divisor);
            finish(op, out, partials, outer, chunks, divisor);
        } finally {
            partials.release();
        }
    }

    /**
     * Fallback for layouts that do not merge into {@link StridedPlan#MAX_RANK} dims: copies x with
     * the kept dims first and the reduced dims last into a contiguous scratch tensor, where both
     * plans merge to one dim, and reduces that with permuted views of out and center.
     */
    private void runPermuted(String op, Tensor out, Tensor x, Tensor center, int[] dims, float divisor) {
        int nd = x.ndim();
        int[] perm = new int[nd];
        int k = 0;
        boolean[] reduced = new boolean[nd];
        for (int d : dims) {
            reduced[d] = true;
        }
        for (int d = 0; d < nd; d++) {
            if (!reduced[d]) {
                perm[k++] = d;
            }
        }
        int[] newDims = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            newDims[i] = k;
            perm[k++] = dims[i];
        }
        Tensor xp = x.permute(perm);
        Storage tmp = launcher.scratch(xp.numel());
        try {
            Tensor xc = Tensor.wrap(tmp, xp.shape(), Shape.contiguousStrides(xp.shape()), 0);
            elementwise.copy(xc, xp);
            run(op, out.permute(perm), xc, center == null ? null : center.permute(perm), newDims, divisor);
        } finally {
            tmp.release();
        }
    }

    @Override
    public void argmax(Tensor out, Tensor x, int dim) {
        int[] xs = x.strides();
        int size = x.size(dim);
        int stride = xs[dim];
        StridedPlan outer = StridedPlan.of(out.shape(), new int[][] {out.strides(), xs},
                new int[] {out.offset(), x.offset()});
        if (outer.numel() == 0) {
            return;
        }
        if (outer.rank() > StridedPlan.MAX_RANK) {
            Tensor xc = x.contiguous();
            try {
                argmax(out, xc, dim);
            } finally {
                if (xc != x) {
                    xc.release();
                }
            }
            return;
        }
        int outputs = outer.numel();
        boolean gpu = launcher.variant() == Variant.GPU;
        boolean rows = gpu ? size <= 64 || (stride != 1 && outputs >= 2048) : outputs >= 64 || size <= 64;
        if (rows) {
            launcher.launch(FILE, "argmaxRows", new long[] {outputs}, new long[] {launcher.elementwiseGroup()},
                    storage(out), storage(x), outer.struct(), size, stride);
            return;
        }
        int lanes = launcher.reductionLanes();
        launcher.launch(FILE, "argmax", new long[] {(long) outputs * lanes}, new long[] {lanes},
                storage(out), storage(x), outer.struct(), size, stride,
                new KernelLauncher.Local(4L * lanes), new KernelLauncher.Local(4L * lanes));
    }
}
