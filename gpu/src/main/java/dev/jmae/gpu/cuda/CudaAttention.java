package dev.jmae.gpu.cuda;

import dev.jmae.gpu.SharedAttention;
import dev.jmae.tensor.Storage;
import dev.jmae.tensor.Tensor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code cuda} backend's fused attention. At {@link MatmulPrecision#HIGH} and head dims up to 64
 * the tensor-core kernels of {@code flash_attention.cu} run (TF32 {@code mma.sync} with fp32
 * accumulation and an online softmax, forward, dq and dk/dv; M ≠ N is fine; the 32 version for
 * Dh ≤ 32, which does half the work): 128 threads per block, grid (⌈M/64⌉, B·H) for the forward and
 * dq, (⌈N/64⌉, B·H) for dk/dv, no dynamic shared memory. At {@link MatmulPrecision#HIGHEST}, for
 * larger head dims and for empty query or key sets, the shared SIMT kernels of
 * {@link SharedAttention} run (strict fp32; also the on-device reference of the flash kernels).
 * Both write the same outputs (out, the natural-log lse, dq, dk, dv) with one writer per element,
 * so results are deterministic.
 */
public final class CudaAttention extends SharedAttention {

    private static final String FLASH = "flash_attention.cu";
    /** Threads per block of the flash kernels (FLASH_THREADS). */
    private static final int THREADS = CudaLaunchLimits.FLASH_BLOCK;
    /** Rows (queries, or keys for dk/dv) per block. */
    private static final int ROWS = 64;

    private final CudaBackend backend;
    private final AtomicLong flashLaunches = new AtomicLong();

    CudaAttention(CudaBackend backend) {
        super(backend.launcher());
        this.backend = backend;
    }

    /** The head-dim capacity of the flash kernel to use (32 or 64), or 0 for the SIMT kernels. */
    private int flashCapacity(int m, int n, int dh) {
        if (backend.matmulPrecision() != MatmulPrecision.HIGH || m == 0 || n == 0 || dh == 0 || dh > 64) {
            return 0;
        }
        return dh <= 32 ? 32 : 64;
    }

    @Override
    public void attentionForward(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, float scale) {
        int b = q.size(0);
        int h = q.size(1);
        int m = q.size(2);
        int n = k.size(2);
        int dh = q.size(3);
        int cap = flashCapacity(m, n, dh);
        if (cap == 0 || b * h == 0) {
            super.attentionForward(out, lse, q, k, v, scale);
            return;
        }
        flashLaunches.incrementAndGet();
        launcher.launch(FLASH, "flashAttentionForward" + cap, new long[] {(long) ceil(m, ROWS) * THREADS, (long) b * h},
                new long[] {THREADS, 1}, storage(out), storage(lse), storage(q), storage(k), storage(v), heads(out),
                heads(q), heads(k), heads(v), new int[] {h, m, n, dh}, new int[] {0, 0, lse.offset(), 0}, scale);
    }

    @Override
    public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor out, Tensor lse, Tensor dout, Tensor q,
                                  Tensor k, Tensor v, float scale) {
        int b = q.size(0);
        int h = q.size(1);
        int m = q.size(2);
        int n = k.size(2);
        int dh = q.size(3);
        int cap = flashCapacity(m, n, dh);
        if (cap == 0 || b * h == 0) {
            super.attentionBackward(dq, dk, dv, out, lse, dout, q, k, v, scale);
            return;
        }
        flashLaunches.incrementAndGet();
        Storage delta = launcher.scratch(b * h * m);
        try {
            int[] sizes = {h, m, n, dh};
            int[] dims = {0, 0, lse.offset(), 0};
            launcher.launch("attention.c", "attentionBackwardDelta", new long[] {m, (long) b * h}, new long[] {64, 1},
                    delta, storage(out), storage(dout), heads(out), heads(dout), h, m, dh);
            launcher.launch(FLASH, "flashAttentionBackwardDq" + cap, new long[] {(long) ceil(m, ROWS) * THREADS,
                (long) b * h}, new long[] {THREADS, 1}, storage(dq), storage(lse), delta, storage(q), storage(k),
                    storage(v), storage(dout), heads(dq), heads(q), heads(k), heads(v), heads(dout), sizes, dims,
                    scale);
            launcher.launch(FLASH, "flashAttentionBackwardDkDv" + cap, new long[] {(long) ceil(n, ROWS) * THREADS,
                (long) b * h}, new long[] {THREADS, 1}, storage(dk), storage(dv), storage(lse), delta, storage(q),
                    storage(k), storage(v), storage(dout), heads(dk), heads(dv), heads(q), heads(k), heads(v),
                    heads(dout), sizes, dims, scale);
        } finally {
            delta.release();
        }
    }

    /** @return forward and backward calls that took the flash kernels since the backend was opened */
    public long flashCalls() {
        return flashLaunches.get();
    }

    private static int ceil(int a, int b) {
        return (a + b - 1) / b;
    }
}
