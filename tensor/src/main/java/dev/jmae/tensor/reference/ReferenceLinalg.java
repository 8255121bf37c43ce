package dev.jmae.tensor.reference;

import dev.jmae.tensor.LinalgKernels;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.StridedLoop;
import dev.jmae.tensor.Tensor;
import java.util.Arrays;

import static dev.jmae.tensor.reference.ReferenceBackend.data;

/**
 * Reference batched matmul: every batch item through {@link ReferenceGemm#sgemm} (double
 * accumulation, one rounding per element), operands read through their strides.
 */
public final class ReferenceLinalg implements LinalgKernels {

    /** Creates the kernels (one instance per reference backend). */
    public ReferenceLinalg() {
    }

    @Override
    public void matmul(Tensor out, Tensor a, Tensor b, Tensor bias) {
        int nd = out.ndim();
        int m = out.size(nd - 2);
        int n = out.size(nd - 1);
        int k = a.size(nd - 1);
        int[] batch = Arrays.copyOf(out.shape(), nd - 2);
        float[] o = data(out);
        float[] x = data(a);
        float[] y = data(b);
        float[] bi = bias == null ? null : data(bias);
        int biasOff = bias == null ? 0 : bias.offset();
        int biasStride = bias == null ? 0 : bias.stride(0);
        int[] as = a.strides();
        int[] bs = b.strides();
        int[] os = out.strides();
        StridedLoop loop = StridedLoop.of(batch,
                new int[][] {Arrays.copyOf(os, nd - 2), Arrays.copyOf(as, nd - 2), Arrays.copyOf(bs, nd - 2)},
                new int[] {out.offset(), a.offset(), b.offset()});
        if (Shape.numel(batch) == 0) {
            return;
        }
        loop.forRows(0, loop.rows(), (off, len, st) -> {
            for (int i = 0; i < len; i++) {
                ReferenceGemm.sgemm(m, n, k,
                        x, off[1] + i * st[1], as[nd - 2], as[nd - 1],
                        y, off[2] + i * st[2], bs[nd - 2], bs[nd - 1],
                        o, off[0] + i * st[0], os[nd - 2],
                        bi, biasOff, biasStride, false);
            }
        });
    }
}
