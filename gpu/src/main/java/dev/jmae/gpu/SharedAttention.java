package dev.jmae.gpu;

import dev.jmae.tensor.AttentionKernels;
import dev.jmae.tensor.Storage;
import dev.jmae.tensor.Tensor;

/**
 * Host side of {@code kernels/attention.c}: fused scaled dot-product attention. Forward keeps a running
 * max and sum per query row over key blocks and saves the log-sum-exp; backward first computes
 * delta = rowsum(dout ∘ out) [B, H, M], then dq (one work-group per query block) and dk, dv (one
 * work-group per key block), each recomputing P = exp(scale·q·k - lse) for its block, so no
 * [B, H, M, N] buffer ever exists and no output needs atomics.
 *
 * <p>Block sizes: rows per work-group (queries in forward and dq, keys in dk/dv) and rows per
 * staged block start at 64/32 (GPU) or 32/32 (CPU drivers) and are halved until the local-memory
 * footprint fits in three quarters of the launcher's local memory (CL_DEVICE_LOCAL_MEM_SIZE on
 * OpenCL, the 48 KiB a CUDA block has without opting in).
 *
 * <p>Shared by the OpenCL backend ({@code ClAttention}, both variants) and the CUDA backend
 * ({@code CudaAttention}, the GPU variant's planning), which launch through their {@link KernelLauncher}.
 */
public abstract class SharedAttention implements AttentionKernels {

    private static final String FILE = "attention.c";
    /** Largest staged block; must match BLOCK_MAX in attention.c. */
    private static final int BLOCK_MAX = 32;
    /** CPU variant: staged block rows (CB in attention.c) and the most rows one work-item owns. */
    private static final int CB = 32;
    private static final int MAX_ROWS = 128;

    /** The runtime the kernels are launched on. */
    protected final KernelLauncher launcher;

    /**
     * Creates the family on a runtime.
     *
     * @param launcher the device's launcher
     */
    protected SharedAttention(KernelLauncher launcher) {
        this.launcher = launcher;
    }

    /**
     * The Heads struct of a [B, H, T, Dh] view with a contiguous last dim.
     *
     * @param t the view
     * @return offset, batch, head and row strides
     */
    protected static int[] heads(Tensor t) {
        return new int[] {t.offset(), t.stride(0), t.stride(1), t.stride(2)};
    }

    /** Row pitch in local memory: Dh, made odd on GPUs so that rows start in different banks. */
    private int pitch(int dh) {
        return launcher.variant() == Variant.GPU && dh % 2 == 0 ? dh + 1 : Math.max(1, dh);
    }

    /**
     * Rows per work-group and per staged block such that (rowsFactor·rows + blockFactor·block)
     * rows of pitch floats (plus extra floats per staged row) fit the local-memory budget.
     */
    private int[] blocks(int rowsWanted, int rowsFactor, int blockFactor, int extraPerBlockRow, int pitch) {
        int rows = Math.max(1, rowsWanted);
        int block = BLOCK_MAX;
        long budget = launcher.localMemBytes() * 3 / 4;
        while (4L * ((long) (rowsFactor * rows + blockFactor * block) * pitch
                + (long) extraPerBlockRow * block) > budget) {
            if (rows > 8) {
                rows /= 2;
            } else if (block > 4) {
                block /= 2;
            } else if (rows > 1) {
                rows /= 2;
            } else if (block > 1) {
                block /= 2;
            } else {
                throw new IllegalArgumentException("attention: head dim " + pitch + " needs more local memory than the "
                        + launcher.localMemBytes() + " bytes of " + launcher.deviceName());
            }
        }
        return new int[] {rows, block};
    }

    /** Rows per work-group of the GPU kernels: 64, capped by what the device allows for this kernel. */
    private int preferredRows(String kernel) {
        return (int) Math.min(launcher.capGroup(64), Long.highestOneBit(Math.max(1,
                launcher.kernelWorkGroupSize(FILE, kernel))));
    }

    /** @return the device storage of a tensor (a kernel argument) */
    protected static Storage storage(Tensor t) {
        return t.storage();
    }

    @Override
    public void attentionForward(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, float scale) {
        int b = q.size(0);
        int h = q.size(1);
        int m = q.size(2);
        int n = k.size(2);
        int dh = q.size(3);
        if (b * h * m == 0) {
            return;
        }
        if (launcher.variant() == Variant.CPU) {
            int r = cpuRows(m, dh);
            KernelLauncher.Local rows = new KernelLauncher.Local(4L * r * dh);
            KernelLauncher.Local block = new KernelLauncher.Local(4L * CB * dh);
            launcher.launch(FILE, "attentionForward", new long[] {ceil(m, r), (long) b * h}, new long[] {1, 1},
                    storage(out), storage(lse), storage(q),
                    storage(k), storage(v), heads(out), heads(q), heads(k), heads(v),
                    new int[] {h, m, n, dh}, new int[] {0, r, lse.offset(), 0}, scale, block, block, rows, rows,
                    new KernelLauncher.Local(8L * r));
            return;
        }
        int ldl = pitch(dh);
        int[] bl = blocks(preferredRows("attentionForward"), 2, 2, 0, ldl);
        int bm = bl[0];
        int bn = bl[1];
        long rowBytes = 4L * ldl;
        launcher.launch(FILE, "attentionForward", new long[] {(long) ceil(m, bm) * bm, (long) b * h},
                new long[] {bm, 1}, storage(out), storage(lse), storage(q),
                storage(k), storage(v), heads(out), heads(q), heads(k), heads(v),
                new int[] {h, m, n, dh}, new int[] {ldl, bn, lse.offset(), 0}, scale,
                new KernelLauncher.Local(bm * rowBytes),
                new KernelLauncher.Local(bm * rowBytes), new KernelLauncher.Local(bn * rowBytes),
                new KernelLauncher.Local(bn * rowBytes));
    }

    @Override
    public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor out, Tensor lse, Tensor dout, Tensor q,
                                  Tensor k, Tensor v,
                                  float scale) {
        int b = q.size(0);
        int h = q.size(1);
        int m = q.size(2);
        int n = k.size(2);
        int dh = q.size(3);
        if (b * h == 0 || dh == 0 || (m == 0 && n == 0)) {
            return;
        }
        int ldl = pitch(dh);
        long rowBytes = 4L * ldl;
        Storage delta = launcher.scratch(b * h * m);
        Storage lseBuf = storage(lse);
        try {
            int[] sizes = {h, m, n, dh};
            if (m > 0) {
                launcher.launch(FILE, "attentionBackwardDelta", new long[] {m, (long) b * h},
                        new long[] {64, 1}, delta, storage(out), storage(dout),
                        heads(out), heads(dout), h, m, dh);
            }
            if (launcher.variant() == Variant.CPU) {
                backwardCpu(dq, dk, dv, lse, dout, q, k, v, scale, delta);
                return;
            }
            if (m > 0) {
                int[] bl = blocks(preferredRows("attentionBackwardDq"), 3, 2, 0, ldl);
                int bm = bl[0];
                int bn = bl[1];
                launcher.launch(FILE, "attentionBackwardDq", new long[] {(long) ceil(m, bm) * bm, (long) b * h},
                        new long[] {bm, 1}, storage(dq), lseBuf, delta, storage(q),
                        storage(k), storage(v), storage(dout), heads(dq),
                        heads(q), heads(k), heads(v), heads(dout), sizes, new int[] {ldl, bn, lse.offset(), 0}, scale,
                        new KernelLauncher.Local(bm * rowBytes), new KernelLauncher.Local(bm * rowBytes),
                        new KernelLauncher.Local(bm * rowBytes), new KernelLauncher.Local(bn * rowBytes),
                        new KernelLauncher.Local(bn * rowBytes));
            }
            if (n > 0) {
                int[] bl = blocks(preferredRows("attentionBackwardDkDv"), 4, 2, 2, ldl);
                int bk = bl[0];
                int bq = bl[1];
                launcher.launch(FILE, "attentionBackwardDkDv",
                        new long[] {(long) ceil(n, bk) * bk, (long) b * h}, new long[] {bk, 1}, storage(dk),
                        storage(dv), lseBuf, delta, storage(q), storage(k),
                        storage(v), storage(dout), heads(dk), heads(dv), heads(q), heads(k),
                        heads(v), heads(dout), sizes, new int[] {ldl, bq, lse.offset(), 0}, scale,
                        new KernelLauncher.Local(bk * rowBytes),
                        new KernelLauncher.Local(bk * rowBytes), new KernelLauncher.Local(bk * rowBytes),
                        new KernelLauncher.Local(bk * rowBytes), new KernelLauncher.Local(bq * rowBytes),
                        new KernelLauncher.Local(bq * rowBytes), new KernelLauncher.Local(4L * bq),
                        new KernelLauncher.Local(4L * bq));
            }
        } finally {
            delta.release();
        }
    }

    /** dq over blocks of ROWS queries, then dk and dv over blocks of ROWS keys, one work-item each. */
    private void backwardCpu(Tensor dq, Tensor dk, Tensor dv, Tensor lse, Tensor dout, Tensor q, Tensor k, Tensor v,
                             float scale, Storage delta) {
        int b = q.size(0);
        int h = q.size(1);
        int m = q.size(2);
        int n = k.size(2);
        int dh = q.size(3);
        int[] sizes = {h, m, n, dh};
        KernelLauncher.Local block = new KernelLauncher.Local(4L * CB * dh);
        int rq = cpuRows(m, dh);
        KernelLauncher.Local qRows = new KernelLauncher.Local(4L * rq * dh);
        launcher.launch(FILE, "attentionBackwardDq", new long[] {ceil(m, rq), (long) b * h}, new long[] {1, 1},
                storage(dq), storage(lse), delta, storage(q),
                storage(k), storage(v), storage(dout), heads(dq), heads(q),
                heads(k), heads(v), heads(dout), sizes, new int[] {0, rq, lse.offset(), 0}, scale, block, block, block,
                qRows, qRows, qRows);
        int rk = cpuRows(n, dh);
        KernelLauncher.Local kRows = new KernelLauncher.Local(4L * rk * dh);
        launcher.launch(FILE, "attentionBackwardDkDv", new long[] {ceil(n, rk), (long) b * h},
                new long[] {1, 1}, storage(dk), storage(dv), storage(lse),
                delta, storage(q), storage(k), storage(v),
                storage(dout), heads(dk), heads(dv), heads(q), heads(k), heads(v), heads(dout), sizes,
                new int[] {0, rk, lse.offset(), 0}, scale, block, block, block, block, kRows, kRows, kRows, kRows);
    }

    /**
     * CPU variant: rows per work-item, all of them up to {@link #MAX_ROWS} (staging a block is then
     * paid once per head), else an even split into blocks of at most MAX_ROWS; fewer when four
     * [rows, Dh] and four [CB, Dh] buffers would not fit three quarters of the local memory.
     */
    private int cpuRows(int rows, int dh) {
        long budget = launcher.localMemBytes() * 3 / 4 - 4L * 4 * CB * dh;
        long fit = Math.max(1, budget / (4L * 4 * Math.max(1, dh) + 8));
        if (budget <= 0) {
            throw new IllegalArgumentException("attention: head dim " + dh + " needs more local memory than the "
                    + launcher.localMemBytes() + " bytes of " + launcher.deviceName());
        }
        int cap = (int) Math.min(MAX_ROWS, fit);
        int blocks = ceil(Math.max(1, rows), cap);
        return ceil(Math.max(1, rows), blocks);
    }

    private static int ceil(int a, int b) {
        return (a + b - 1) / b;
    }
}
