package dev.jmae.gpu;

import dev.jmae.tensor.RowKernels;
import dev.jmae.tensor.Storage;
import dev.jmae.tensor.Tensor;

/**
 * Host side of {@code kernels/rows.c}: softmax and log-softmax, layer norm and GELU (each
 * forward and backward), all on contiguous operands (the SPI guarantees it). Row kernels get one
 * work-group per row (a tree over up to 256 lanes on GPUs, one vectorized work-item on CPU
 * drivers); layer norm's dweight and dbias are column sums done in two fixed-order passes
 * (chunks of rows, then the chunks), never with atomics.
 *
 * <p>Shared by the OpenCL backend ({@code ClRows}, both variants) and the CUDA backend
 * ({@code CudaRows}, the GPU variant's planning), which launch through their {@link KernelLauncher}.
 */
public abstract class SharedRows implements RowKernels {

    private static final String FILE = "rows.c";
    /** Rows per chunk of the dweight/dbias column sums. */
    private static final int PARAM_ROWS_PER_CHUNK = 64;

    /** The runtime the kernels are launched on. */
    protected final KernelLauncher launcher;

    /**
     * Creates the family on a runtime.
     *
     * @param launcher the device's launcher
     */
    protected SharedRows(KernelLauncher launcher) {
        this.launcher = launcher;
    }

    private static int lastDim(Tensor t) {
        return t.ndim() == 0 ? 1 : t.size(-1);
    }

    /**
     * Work-items per row: one on CPU drivers (it walks the row in float16 chunks); on GPUs a power
     * of two, 64 for rows up to 64 and 256 above (few distinct sizes, because PoCL compiles a
     * kernel once per work-group size).
     */
    private int lanes(int cols) {
        if (launcher.variant() == Variant.CPU) {
            return 1;
        }
        return launcher.capGroup(cols <= 64 ? 64 : 256);
    }

    /** Work-items of the VW-per-item GELU kernels. */
    private long[] vectorGlobal(int n) {
        int vw = launcher.variant() == Variant.GPU ? 4 : 16;
        return new long[] {(n + vw - 1) / vw};
    }

    private void rows(String kernel, int rows, int cols, Object... args) {
        if (rows == 0 || cols == 0) {
            return;
        }
        int lanes = lanes(cols);
        Object[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = new KernelLauncher.Local(4L * lanes);
        launcher.launch(FILE, kernel, new long[] {(long) rows * lanes}, new long[] {lanes}, all);
    }

    /** @return the device storage of a tensor (a kernel argument) */
    protected static Storage storage(Tensor t) {
        return t.storage();
    }

    @Override
    public void softmaxForward(Tensor out, Tensor x) {
        softmax(out, x, false);
    }

    @Override
    public void softmaxBackward(Tensor dx, Tensor y, Tensor dy) {
        softmaxGrad(dx, y, dy, false);
    }

    @Override
    public void logSoftmaxForward(Tensor out, Tensor x) {
        softmax(out, x, true);
    }

    @Override
    public void logSoftmaxBackward(Tensor dx, Tensor y, Tensor dy) {
        softmaxGrad(dx, y, dy, true);
    }

    private void softmax(Tensor out, Tensor x, boolean log) {
        int cols = lastDim(x);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        rows(log ? "logSoftmaxForward" : "softmaxForward", rows, cols, storage(out), out.offset(),
                storage(x), x.offset(), cols);
    }

    private void softmaxGrad(Tensor dx, Tensor y, Tensor dy, boolean log) {
        int cols = lastDim(y);
        int rows = cols == 0 ? 0 : y.numel() / cols;
        rows(log ? "logSoftmaxBackward" : "softmaxBackward", rows, cols, storage(dx), dx.offset(),
                storage(y), y.offset(), storage(dy), dy.offset(), cols);
    }

    @Override
    public void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias,
                                 float eps) {
        int cols = x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        Storage xs = storage(x);
        int[] offsets = {out.offset(), mean.offset(), rstd.offset(), x.offset(),
            weight == null ? 0 : weight.offset(), bias == null ? 0 : bias.offset(), 0, 0};
        rows("layerNormForward", rows, cols, storage(out), storage(mean),
                storage(rstd), xs, weight == null ? xs : storage(weight),
                bias == null ? xs : storage(bias), offsets, cols, eps, weight == null ? 0 : 1,
                bias == null ? 0 : 1);
    }

    @Override
    public void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor mean, Tensor rstd, Tensor dy,
                                  Tensor x,
                                  Tensor weight) {
        int cols = x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        Storage xs = storage(x);
        int[] offsets = {dx.offset(), mean.offset(), rstd.offset(), dy.offset(), x.offset(),
            weight == null ? 0 : weight.offset(), 0, 0};
        rows("layerNormBackward", rows, cols, storage(dx), storage(mean),
                storage(rstd), storage(dy), xs,
                weight == null ? xs : storage(weight), offsets, cols, weight == null ? 0 : 1);
        if ((dweight == null && dbias == null) || cols == 0) {
            return;
        }
        int chunks = Math.max(1, (rows + PARAM_ROWS_PER_CHUNK - 1) / PARAM_ROWS_PER_CHUNK);
        Storage partialW = launcher.scratch(chunks * cols);
        Storage partialB = launcher.scratch(chunks * cols);
        try {
            int group = launcher.elementwiseGroup();
            if (rows == 0) {
                launcher.fill(partialW, 0, chunks * cols, 0f);
                launcher.fill(partialB, 0, chunks * cols, 0f);
            } else {
                int[] o4 = {mean.offset(), rstd.offset(), dy.offset(), x.offset()};
                launcher.launch(FILE, "layerNormBackwardParams", new long[] {cols, chunks},
                        new long[] {group, 1}, partialW, partialB, storage(mean),
                        storage(rstd), storage(dy), xs, o4, rows, cols,
                        PARAM_ROWS_PER_CHUNK);
            }
            launcher.launch(FILE, "layerNormBackwardParamsFinish", new long[] {cols}, new long[] {group},
                    dweight != null ? storage(dweight) : partialW, dweight != null ? dweight.offset() : 0,
                    dbias != null ? storage(dbias) : partialB, dbias != null ? dbias.offset() : 0,
                    partialW, partialB, chunks, cols, dweight != null ? 1 : 0, dbias != null ? 1 : 0);
        } finally {
            partialW.release();
            partialB.release();
        }
    }

    @Override
    public void geluForward(Tensor out, Tensor x) {
        int n = x.numel();
        launcher.launch(FILE, "geluForward", vectorGlobal(n), new long[] {launcher.elementwiseGroup()},
                storage(out), out.offset(), storage(x), x.offset(), n);
    }

    @Override
    public void geluBackward(Tensor dx, Tensor dy, Tensor x) {
        int n = x.numel();
        launcher.launch(FILE, "geluBackward", vectorGlobal(n), new long[] {launcher.elementwiseGroup()},
                storage(dx), dx.offset(), storage(dy), dy.offset(),
                storage(x), x.offset(), n);
    }
}
