package dev.jmae.gpu;

import dev.jmae.tensor.RowKernels;
import dev.jmae.tensor.Tensor;

/**
 * Host side of {@code kernels/rows.c}: softmax and log-softmax, layer norm and GELU (each
 * forward and backward), all on contiguous operands (the SPI guarantees it). Row kernels get one
 * work-group per row (a tree over up to 256 lanes on GPUs, one vectorized work-item on CPU
 * drivers); layer norm's dweight and dbias are column sums done in two fixed-order passes
 * (chunks of rows, then the chunks), never with atomics.
 */
final class ClRows implements RowKernels {

    private static final String FILE = "rows.c";
    /** Rows per chunk of the dweight/dbias column sums. */
    private static final int PARAM_ROWS_PER_CHUNK = 64;

    private final OpenClBackend backend;
    private final ClRuntime rt;

    ClRows(OpenClBackend backend) {
        this.backend = backend;
        this.rt = backend.runtime();
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
        if (backend.variant() == Variant.CPU) {
            return 1;
        }
        return backend.capGroup(cols <= 64 ? 64 : 256);
    }

    /** Work-items of the VW-per-item GELU kernels. */
    private long[] vectorGlobal(int n) {
        int vw = backend.variant() == Variant.GPU ? 4 : 16;
        return new long[] {(n + vw - 1) / vw};
    }

    private void rows(String kernel, int rows, int cols, Object... args) {
        if (rows == 0 || cols == 0) {
            return;
        }
        int lanes = lanes(cols);
        Object[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = new ClRuntime.Local(4L * lanes);
        rt.launch(FILE, kernel, backend.variant(), new long[] {(long) rows * lanes}, new long[] {lanes}, all);
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
        rows(log ? "logSoftmaxForward" : "softmaxForward", rows, cols, OpenClBackend.storage(out), out.offset(),
                OpenClBackend.storage(x), x.offset(), cols);
    }

    private void softmaxGrad(Tensor dx, Tensor y, Tensor dy, boolean log) {
        int cols = lastDim(y);
        int rows = cols == 0 ? 0 : y.numel() / cols;
        rows(log ? "logSoftmaxBackward" : "softmaxBackward", rows, cols, OpenClBackend.storage(dx), dx.offset(),
                OpenClBackend.storage(y), y.offset(), OpenClBackend.storage(dy), dy.offset(), cols);
    }

    @Override
    public void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, float eps) {
        int cols = x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        ClStorage xs = OpenClBackend.storage(x);
        int[] offsets = {out.offset(), mean.offset(), rstd.offset(), x.offset(),
            weight == null ? 0 : weight.offset(), bias == null ? 0 : bias.offset(), 0, 0};
        rows("layerNormForward", rows, cols, OpenClBackend.storage(out), OpenClBackend.storage(mean),
                OpenClBackend.storage(rstd), xs, weight == null ? xs : OpenClBackend.storage(weight),
                bias == null ? xs : OpenClBackend.storage(bias), offsets, cols, eps, weight == null ? 0 : 1,
                bias == null ? 0 : 1);
    }

    @Override
    public void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor mean, Tensor rstd, Tensor dy, Tensor x,
                           Tensor weight) {
        int cols = x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        ClStorage xs = OpenClBackend.storage(x);
        int[] offsets = {dx.offset(), mean.offset(), rstd.offset(), dy.offset(), x.offset(),
            weight == null ? 0 : weight.offset(), 0, 0};
        rows("layerNormBackward", rows, cols, OpenClBackend.storage(dx), OpenClBackend.storage(mean),
                OpenClBackend.storage(rstd), OpenClBackend.storage(dy), xs,
                weight == null ? xs : OpenClBackend.storage(weight), offsets, cols, weight == null ? 0 : 1);
        if ((dweight == null && dbias == null) || cols == 0) {
            return;
        }
        int chunks = Math.max(1, (rows + PARAM_ROWS_PER_CHUNK - 1) / PARAM_ROWS_PER_CHUNK);
        ClStorage partialW = backend.scratch(chunks * cols);
        ClStorage partialB = backend.scratch(chunks * cols);
        try {
            int group = backend.elementwiseGroup();
            if (rows == 0) {
                rt.fillBuffer(partialW, 0, chunks * cols, 0f);
                rt.fillBuffer(partialB, 0, chunks * cols, 0f);
            } else {
                int[] o4 = {mean.offset(), rstd.offset(), dy.offset(), x.offset()};
                rt.launch(FILE, "layerNormBackwardParams", backend.variant(), new long[] {cols, chunks},
                        new long[] {group, 1}, partialW, partialB, OpenClBackend.storage(mean),
                        OpenClBackend.storage(rstd), OpenClBackend.storage(dy), xs, o4, rows, cols,
                        PARAM_ROWS_PER_CHUNK);
            }
            rt.launch(FILE, "layerNormBackwardParamsFinish", backend.variant(), new long[] {cols}, new long[] {group},
                    dweight != null ? OpenClBackend.storage(dweight) : partialW, dweight != null ? dweight.offset() : 0,
                    dbias != null ? OpenClBackend.storage(dbias) : partialB, dbias != null ? dbias.offset() : 0,
                    partialW, partialB, chunks, cols, dweight != null ? 1 : 0, dbias != null ? 1 : 0);
        } finally {
            partialW.release();
            partialB.release();
        }
    }

    @Override
    public void geluForward(Tensor out, Tensor x) {
        int n = x.numel();
        rt.launch(FILE, "geluForward", backend.variant(), vectorGlobal(n), new long[] {backend.elementwiseGroup()},
                OpenClBackend.storage(out), out.offset(), OpenClBackend.storage(x), x.offset(), n);
    }

    @Override
    public void geluBackward(Tensor dx, Tensor dy, Tensor x) {
        int n = x.numel();
        rt.launch(FILE, "geluBackward", backend.variant(), vectorGlobal(n), new long[] {backend.elementwiseGroup()},
                OpenClBackend.storage(dx), dx.offset(), OpenClBackend.storage(dy), dy.offset(),
                OpenClBackend.storage(x), x.offset(), n);
    }
}
