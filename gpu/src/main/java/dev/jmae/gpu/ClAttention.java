package dev.jmae.gpu;

import dev.jmae.tensor.AttentionKernels;
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
 * footprint fits in three quarters of CL_DEVICE_LOCAL_MEM_SIZE.
 */
final class ClAttention implements AttentionKernels {

    private static final String FILE = "attention.c";
    /** Largest staged block; must match BLOCK_MAX in attention.c. */
    private static final int BLOCK_MAX = 32;
    /** CPU variant: staged block rows (CB in attention.c) and the most rows one work-item owns. */
    private static final int CB = 32;
    private static final int MAX_ROWS = 128;

    private final OpenClBackend backend;
    private final ClRuntime rt;

    ClAttention(OpenClBackend backend) {
        this.backend = backend;
        this.rt = backend.runtime();
    }

    private static int[] heads(Tensor t) {
        return new int[] {t.offset(), t.stride(0), t.stride(1), t.stride(2)};
    }

    /** Row pitch in local memory: Dh, made odd on GPUs so that rows start in different banks. */
    private int pitch(int dh) {
        return backend.variant() == Variant.GPU && dh % 2 == 0 ? dh + 1 : Math.max(1, dh);
    }

    /**
     * Rows per work-group and per staged block such that (rowsFactor·rows + blockFactor·block)
     * rows of pitch floats (plus extra floats per staged row) fit the local-memory budget.
     */
    private int[] blocks(int rowsWanted, int rowsFactor, int blockFactor, int extraPerBlockRow, int pitch) {
        int rows = Math.max(1, rowsWanted);
        int block = BLOCK_MAX;
        long budget = rt.localMemBytes() * 3 / 4;
        while (4L * ((long) (rowsFactor * rows + blockFactor * block) * pitch + (long) extraPerBlockRow * block) > budget) {
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
                        + rt.localMemBytes() + " bytes of " + rt.name());
            }
        }
        return new int[] {rows, block};
    }

    /** Rows per work-group of the GPU kernels: 64, capped by what the device allows for this kernel. */
    private int preferredRows(String kernel) {
        return (int) Math.min(backend.capGroup(64), Long.highestOneBit(Math.max(1,
                rt.kernelWorkGroupSize(FILE, kernel, backend.variant()))));
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
        if (backend.variant() == Variant.CPU) {
            int r = cpuRows(m, dh);
            ClRuntime.Local rows = new ClRuntime.Local(4L * r * dh);
            ClRuntime.Local block = new ClRuntime.Local(4L * CB * dh);
            rt.launch(FILE, "attentionForward", Variant.CPU, new long[] {ceil(m, r), (long) b * h}, new long[] {1, 1},
                    OpenClBackend.storage(out), OpenClBackend.storage(lse), OpenClBackend.storage(q),
                    OpenClBackend.storage(k), OpenClBackend.storage(v), heads(out), heads(q), heads(k), heads(v),
                    new int[] {h, m, n, dh}, new int[] {0, r, lse.offset(), 0}, scale, block, block, rows, rows,
                    new ClRuntime.Local(8L * r));
            return;
        }
        int ldl = pitch(dh);
        int[] bl = blocks(preferredRows("attentionForward"), 2, 2, 0, ldl);
        int bm = bl[0];
        int bn = bl[1];
        long rowBytes = 4L * ldl;
        rt.launch(FILE, "attentionForward", backend.variant(), new long[] {(long) ceil(m, bm) * bm, (long) b * h},
                new long[] {bm, 1}, OpenClBackend.storage(out), OpenClBackend.storage(lse), OpenClBackend.storage(q),
                OpenClBackend.storage(k), OpenClBackend.storage(v), heads(out), heads(q), heads(k), heads(v),
                new int[] {h, m, n, dh}, new int[] {ldl, bn, lse.offset(), 0}, scale, new ClRuntime.Local(bm * rowBytes),
                new ClRuntime.Local(bm * rowBytes), new ClRuntime.Local(bn * rowBytes),
                new ClRuntime.Local(bn * rowBytes));
    }

    @Override
    public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor out, Tensor lse, Tensor dout, Tensor q, Tensor k, Tensor v,
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
        ClStorage delta = backend.scratch(b * h * m);
        ClStorage lseBuf = OpenClBackend.storage(lse);
        try {
            int[] sizes = {h, m, n, dh};
            if (m > 0) {
                rt.launch(FILE, "attentionBackwardDelta", backend.variant(), new long[] {m, (long) b * h},
                        new long[] {64, 1}, delta, OpenClBackend.storage(out), OpenClBackend.storage(dout),
                        heads(out), heads(dout), h, m, dh);
            }
            if (backend.variant() == Variant.CPU) {
                backwardCpu(dq, dk, dv, lse, dout, q, k, v, scale, delta);
                return;
            }
            if (m > 0) {
                int[] bl = blocks(preferredRows("attentionBackwardDq"), 3, 2, 0, ldl);
                int bm = bl[0];
                int bn = bl[1];
                rt.launch(FILE, "attentionBackwardDq", backend.variant(), new long[] {(long) ceil(m, bm) * bm, (long) b * h},
                        new long[] {bm, 1}, OpenClBackend.storage(dq), lseBuf, delta, OpenClBackend.storage(q),
                        OpenClBackend.storage(k), OpenClBackend.storage(v), OpenClBackend.storage(dout), heads(dq),
                        heads(q), heads(k), heads(v), heads(dout), sizes, new int[] {ldl, bn, lse.offset(), 0}, scale,
                        new ClRuntime.Local(bm * rowBytes), new ClRuntime.Local(bm * rowBytes),
                        new ClRuntime.Local(bm * rowBytes), new ClRuntime.Local(bn * rowBytes),
                        new ClRuntime.Local(bn * rowBytes));
            }
            if (n > 0) {
                int[] bl = blocks(preferredRows("attentionBackwardDkDv"), 4, 2, 2, ldl);
                int bk = bl[0];
                int bq = bl[1];
                rt.launch(FILE, "attentionBackwardDkDv", backend.variant(),
                        new long[] {(long) ceil(n, bk) * bk, (long) b * h}, new long[] {bk, 1}, OpenClBackend.storage(dk),
                        OpenClBackend.storage(dv), lseBuf, delta, OpenClBackend.storage(q), OpenClBackend.storage(k),
                        OpenClBackend.storage(v), OpenClBackend.storage(dout), heads(dk), heads(dv), heads(q), heads(k),
                        heads(v), heads(dout), sizes, new int[] {ldl, bq, lse.offset(), 0}, scale, new ClRuntime.Local(bk * rowBytes),
                        new ClRuntime.Local(bk * rowBytes), new ClRuntime.Local(bk * rowBytes),
                        new ClRuntime.Local(bk * rowBytes), new ClRuntime.Local(bq * rowBytes),
                        new ClRuntime.Local(bq * rowBytes), new ClRuntime.Local(4L * bq), new ClRuntime.Local(4L * bq));
            }
        } finally {
            delta.release();
        }
    }

    /** dq over blocks of ROWS queries, then dk and dv over blocks of ROWS keys, one work-item each. */
    private void backwardCpu(Tensor dq, Tensor dk, Tensor dv, Tensor lse, Tensor dout, Tensor q, Tensor k, Tensor v,
                             float scale, ClStorage delta) {
        int b = q.size(0);
        int h = q.size(1);
        int m = q.size(2);
        int n = k.size(2);
        int dh = q.size(3);
        int[] sizes = {h, m, n, dh};
        ClRuntime.Local block = new ClRuntime.Local(4L * CB * dh);
        int rq = cpuRows(m, dh);
        ClRuntime.Local qRows = new ClRuntime.Local(4L * rq * dh);
        rt.launch(FILE, "attentionBackwardDq", Variant.CPU, new long[] {ceil(m, rq), (long) b * h}, new long[] {1, 1},
                OpenClBackend.storage(dq), OpenClBackend.storage(lse), delta, OpenClBackend.storage(q),
                OpenClBackend.storage(k), OpenClBackend.storage(v), OpenClBackend.storage(dout), heads(dq), heads(q),
                heads(k), heads(v), heads(dout), sizes, new int[] {0, rq, lse.offset(), 0}, scale, block, block, block,
                qRows, qRows, qRows);
        int rk = cpuRows(n, dh);
        ClRuntime.Local kRows = new ClRuntime.Local(4L * rk * dh);
        rt.launch(FILE, "attentionBackwardDkDv", Variant.CPU, new long[] {ceil(n, rk), (long) b * h},
                new long[] {1, 1}, OpenClBackend.storage(dk), OpenClBackend.storage(dv), OpenClBackend.storage(lse),
                delta, OpenClBackend.storage(q), OpenClBackend.storage(k), OpenClBackend.storage(v),
                OpenClBackend.storage(dout), heads(dk), heads(dv), heads(q), heads(k), heads(v), heads(dout), sizes,
                new int[] {0, rk, lse.offset(), 0}, scale, block, block, block, block, kRows, kRows, kRows, kRows);
    }

    /**
     * CPU variant: rows per work-item, all of them up to {@link #MAX_ROWS} (staging a block is then
     * paid once per head), else an even split into blocks of at most MAX_ROWS; fewer when four
     * [rows, Dh] and four [CB, Dh] buffers would not fit three quarters of the local memory.
     */
    private int cpuRows(int rows, int dh) {
        long budget = rt.localMemBytes() * 3 / 4 - 4L * 4 * CB * dh;
        long fit = Math.max(1, budget / (4L * 4 * Math.max(1, dh) + 8));
        if (budget <= 0) {
            throw new IllegalArgumentException("attention: head dim " + dh + " needs more local memory than the "
                    + rt.localMemBytes() + " bytes of " + rt.name());
        }
        int cap = (int) Math.min(MAX_ROWS, fit);
        int blocks = ceil(Math.max(1, rows), cap);
        return ceil(Math.max(1, rows), blocks);
    }

    private static int ceil(int a, int b) {
        return (a + b - 1) / b;
    }
}
