package dev.jmae.tensor.reference;

/**
 * The executable specification of single-precision matrix multiplication: plain scalar loops
 * with double accumulation, one thread, no blocking. {@link dev.jmae.tensor.cpu.Gemm} is checked
 * against it.
 *
 * <p>Operands are addressed through explicit offsets and strides so that transposed, sliced and
 * broadcast (stride 0) views need no copies. Kernels assume valid input (sizes at least 0,
 * strides at least 0, every addressed element inside its array); validation happens at the Tensor
 * API boundary.
 */
public final class ReferenceGemm {

    private ReferenceGemm() {
    }

    /**
     * Matrix product with optional bias: {@code C[i, j] (= or +=) sum_p A[i, p] * B[p, j] (+ bias[j])}
     * for i &lt; M, j &lt; N, p &lt; K.
     *
     * <p>Each output element is summed in double, in order p = 0..K-1, then bias[j] is added in
     * double, then (when accumulating) the previous C[i, j], and the sum is rounded to float once.
     * K = 0 gives C = bias (or 0) when overwriting and C + bias when accumulating.
     *
     * <p>Shapes: A [M, K], element (i, p) at {@code a[aOffset + i*aRowStride + p*aColStride]};
     * B [K, N], element (p, j) at {@code b[bOffset + p*bRowStride + j*bColStride]}; C [M, N],
     * element (i, j) at {@code c[cOffset + i*cRowStride + j]}; bias [N], element j at
     * {@code bias[biasOffset + j*biasStride]}.
     *
     * <p>Overwrites C when {@code accumulate} is false (its previous contents are never read, so
     * they may be garbage or NaN) and adds to it when true. Runs on the calling thread. Assumes
     * valid input and that C does not overlap A, B or bias.
     *
     * @param m rows of A and C (M)
     * @param n columns of B and C (N)
     * @param k columns of A, rows of B (K)
     * @param a A's storage
     * @param aOffset index of A[0, 0]
     * @param aRowStride distance between A[i, p] and A[i+1, p]
     * @param aColStride distance between A[i, p] and A[i, p+1]
     * @param b B's storage
     * @param bOffset index of B[0, 0]
     * @param bRowStride distance between B[p, j] and B[p+1, j]
     * @param bColStride distance between B[p, j] and B[p, j+1]
     * @param c C's storage (output)
     * @param cOffset index of C[0, 0]
     * @param cRowStride distance between C[i, j] and C[i+1, j]; C's columns are contiguous
     * @param bias bias storage, or null for no bias
     * @param biasOffset index of bias[0]
     * @param biasStride distance between bias[j] and bias[j+1]
     * @param accumulate true to add the product to C, false to overwrite C
     */
    public static void sgemm(int m, int n, int k,
                             float[] a, int aOffset, int aRowStride, int aColStride,
                             float[] b, int bOffset, int bRowStride, int bColStride,
                             float[] c, int cOffset, int cRowStride,
                             float[] bias, int biasOffset, int biasStride,
                             boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0.0;
                for (int p = 0; p < k; p++) {
                    sum += (double) a[aOffset + i * aRowStride + p * aColStride]
                            * (double) b[bOffset + p * bRowStride + j * bColStride];
                }
                if (bias != null) {
                    sum += bias[biasOffset + j * biasStride];
                }
                int ci = cOffset + i * cRowStride + j;
                if (accumulate) {
                    sum += c[ci];
                }
                c[ci] = (float) sum;
            }
        }
    }

    /**
     * The same product for {@code batch} independent problems of identical shape and strides:
     * problem t reads A at {@code aOffsets[t]}, B at {@code bOffsets[t]} and writes C at
     * {@code cOffsets[t]}; bias, when given, is shared by all problems.
     *
     * <p>Shapes: A [batch, M, K], B [batch, K, N], C [batch, M, N], bias [N], with the element
     * addressing of {@link #sgemm}. Double accumulation; overwrites C when {@code accumulate} is
     * false and adds to it when true; runs on the calling thread, problems in order t = 0, 1, ...
     * Assumes valid input; problems may share A or B storage but no C element may be written by two
     * problems.
     *
     * @param batch number of problems
     * @param m rows of each A and C (M)
     * @param n columns of each B and C (N)
     * @param k columns of each A, rows of each B (K)
     * @param a storage of all A operands
     * @param aOffsets index of A[0, 0] for each problem, length at least batch
     * @param aRowStride distance between A[i, p] and A[i+1, p]
     * @param aColStride distance between A[i, p] and A[i, p+1]
     * @param b storage of all B operands
     * @param bOffsets index of B[0, 0] for each problem, length at least batch
     * @param bRowStride distance between B[p, j] and B[p+1, j]
     * @param bColStride distance between B[p, j] and B[p, j+1]
     * @param c storage of all C outputs
     * @param cOffsets index of C[0, 0] for each problem, length at least batch
     * @param cRowStride distance between C[i, j] and C[i+1, j]; C's columns are contiguous
     * @param bias bias storage, or null for no bias
     * @param biasOffset index of bias[0]
     * @param biasStride distance between bias[j] and bias[j+1]
     * @param accumulate true to add the products to C, false to overwrite C
     */
    public static void sgemmBatched(int batch, int m, int n, int k,
                                    float[] a, int[] aOffsets, int aRowStride, int aColStride,
                                    float[] b, int[] bOffsets, int bRowStride, int bColStride,
                                    float[] c, int[] cOffsets, int cRowStride,
                                    float[] bias, int biasOffset, int biasStride,
                                    boolean accumulate) {
        for (int t = 0; t < batch; t++) {
            sgemm(m, n, k, a, aOffsets[t], aRowStride, aColStride, b, bOffsets[t], bRowStride, bColStride,
                    c, cOffsets[t], cRowStride, bias, biasOffset, biasStride, accumulate);
        }
    }
}
