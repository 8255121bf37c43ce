package dev.jmae.tensor.cpu;

import dev.jmae.tensor.LinalgKernels;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.StridedLoop;
import dev.jmae.tensor.Tensor;

import java.util.Arrays;

import static dev.jmae.tensor.cpu.CpuBackend.data;

/**
 * CPU batched matmul over {@link Gemm}: broadcast batches fold into one GEMM (x[B, T, K]·W[K, N] is
 * one [B·T, K]·[K, N] product), a single product runs directly and several equal-shape products
 * through {@link Gemm#sgemmBatched}; transposed operands are read in place.
 */
final class CpuLinalg implements LinalgKernels {

    CpuLinalg() {
    }

    @Override
    public void matmul(Tensor out, Tensor a, Tensor b, Tensor bias) {
        int nd = out.ndim();
        int m = out.size(nd - 2);
        int n = out.size(nd - 1);
        int k = a.size(nd - 1);
        int[] as = a.strides();
        int[] bs = b.strides();
        int[] os = out.strides();
        float[] x = data(a);
        float[] y = data(b);
        float[] o = data(out);
        float[] bi = bias == null ? null : data(bias);
        int biasOff = bias == null ? 0 : bias.offset();
        int biasStride = bias == null ? 0 : bias.stride(0);
        int[] batch = Arrays.copyOf(out.shape(), nd - 2);
        int batchCount = Shape.numel(batch);
        if (batchCount == 0 || m == 0 || n == 0) {
            return;
        }
        if (batchCount == 1 || (broadcastBatch(b, nd) && foldsIntoRows(a, nd) && out.isContiguous())) {
            // One GEMM: the batch dims of a (if any) merge into its rows, out is contiguous.
            Gemm.sgemm(m * batchCount, n, k,
                    x, a.offset(), as[nd - 2], as[nd - 1],
                    y, b.offset(), bs[nd - 2], bs[nd - 1],
                    o, out.offset(), os[nd - 2],
                    bi, biasOff, biasStride, false);
            return;
        }
        int[] aOff = new int[batchCount];
        int[] bOff = new int[batchCount];
        int[] oOff = new int[batchCount];
        StridedLoop loop = StridedLoop.of(batch,
                new int[][] {Arrays.copyOf(os, nd - 2), Arrays.copyOf(as, nd - 2), Arrays.copyOf(bs, nd - 2)},
                new int[] {out.offset(), a.offset(), b.offset()});
        loop.forRows(0, loop.rows(), new StridedLoop.Row() {
            int t;

            @Override
            public void run(int[] off, int len, int[] st) {
                for (int i = 0; i < len; i++, t++) {
                    oOff[t] = off[0] + i * st[0];
                    aOff[t] = off[1] + i * st[1];
                    bOff[t] = off[2] + i * st[2];
                }
            }
        });
        Gemm.sgemmBatched(batchCount, m, n, k,
                x, aOff, as[nd - 2], as[nd - 1],
                y, bOff, bs[nd - 2], bs[nd - 1],
                o, oOff, os[nd - 2],
                bi, biasOff, biasStride, false);
    }

    /** Whether every batch dim of b has stride 0 (the same matrix for every batch item). */
    private static boolean broadcastBatch(Tensor b, int nd) {
        for (int d = 0; d < nd - 2; d++) {
            if (b.stride(d) != 0 && b.size(d) != 1) {
                return false;
            }
        }
        return true;
    }

    /** Whether a's batch dims and its row dim collapse into one dim with a's row stride. */
    private static boolean foldsIntoRows(Tensor a, int nd) {
        int expected = a.stride(nd - 2) * a.size(nd - 2);
        for (int d = nd - 3; d >= 0; d--) {
            if (a.size(d) != 1 && a.stride(d) != expected) {
                return false;
            }
            expected *= a.size(d);
        }
        return true;
    }
}
