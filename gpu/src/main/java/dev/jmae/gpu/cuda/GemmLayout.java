package dev.jmae.gpu.cuda;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A row-major batched matrix product out[..., M, N] = a[..., M, K] · b[..., K, N] (+ bias[N]) over
 * strided views, restated as the column-major strided-batched GEMM(s) cuBLASLt computes.
 *
 * <p>The restatement: a row-major matrix X with row stride ld is the column-major matrix Xᵀ with
 * the same ld, so outᵀ (N×M) = bᵀ (N×K) · aᵀ (K×M): cuBLASLt's A operand is jmae's {@code b},
 * its B operand is jmae's {@code a}, and its m, n, k are N, M, K. An operand whose inner stride is
 * 1 is passed as stored ({@code CUBLAS_OP_N}); one whose outer stride is 1 (a transposed view) is
 * passed with {@code CUBLAS_OP_T}; any other layout (both strides above 1, or rows overlapping)
 * cannot be expressed and {@link #plan} returns null, so the caller uses the SIMT kernel. The bias
 * epilogue adds a vector along the rows of D (length m = N), which is jmae's bias over output
 * columns; it must be packed (stride 1).
 *
 * <p>Batch dims: size-1 dims are dropped and adjacent dims merged where every operand's strides
 * allow; then, like the OpenCL GEMM, trailing batch dims over which b is shared (stride 0) and a's
 * rows continue are folded into M, so a Linear layer over [B, L, D] is one [B·L, D] product. The
 * innermost remaining batch dim becomes cuBLASLt's batch (count and per-operand strides, 0 for a
 * broadcast operand); each index of the dims outside it is one call, at the element offsets in
 * {@link #offsetsA()}, {@link #offsetsB()}, {@link #offsetsC()}.
 *
 * @param opA {@code CUBLAS_OP_N} or {@code _T} for cuBLASLt's A (jmae's b)
 * @param rowsA stored rows of A (before op)
 * @param colsA stored columns of A
 * @param lda leading dimension of A
 * @param opB op for cuBLASLt's B (jmae's a)
 * @param rowsB stored rows of B
 * @param colsB stored columns of B
 * @param ldb leading dimension of B
 * @param m rows of D (jmae's N)
 * @param n columns of D (jmae's M, batch dims folded in)
 * @param k inner dimension (jmae's K)
 * @param ldc leading dimension of C and D (jmae's N: out is contiguous)
 * @param batchCount matrices per call
 * @param strideA elements between consecutive A matrices (0 when shared)
 * @param strideB elements between consecutive B matrices
 * @param strideC elements between consecutive C/D matrices
 * @param offsetsA per call, element offset of A in b's storage
 * @param offsetsB per call, element offset of B in a's storage
 * @param offsetsC per call, element offset of C/D in out's storage
 * @param bias whether the bias epilogue applies
 */
record GemmLayout(int opA, long rowsA, long colsA, long lda, int opB, long rowsB, long colsB, long ldb,
                  long m, long n, long k, long ldc, int batchCount, long strideA, long strideB, long strideC,
                  long[] offsetsA, long[] offsetsB, long[] offsetsC, boolean bias) {

    /** A stored operand: its op and the stored matrix's column-major shape. */
    private record Operand(int op, long rows, long cols, long ld) {
    }

    /**
     * Plans a product over views of one rank (batch dims already broadcast to out's).
     *
     * @param outShape out's shape [..., M, N]
     * @param outStrides out's strides (rows contiguous: stride N, 1)
     * @param outOffset out's offset
     * @param aStrides a's strides, a's shape being [..., M, K]
     * @param aOffset a's offset
     * @param k the inner size K
     * @param bStrides b's strides, b's shape being [..., K, N]
     * @param bOffset b's offset
     * @param biasStride the bias's stride, or -1 without bias
     * @return the plan, or null when cuBLASLt cannot read these layouts (the caller then uses the
     *     SIMT kernel)
     */
    static GemmLayout plan(int[] outShape, int[] outStrides, int outOffset, int[] aStrides, int aOffset, int k,
                           int[] bStrides, int bOffset, int biasStride) {
        int nd = outShape.length;
        long mm = outShape[nd - 2];
        long nn = outShape[nd - 1];
        if (mm == 0 || nn == 0 || k == 0) {
            return null;
        }
        if (outStrides[nd - 1] != 1 && nn > 1 || outStrides[nd - 2] != nn && mm > 1) {
            return null;
        }
        boolean bias = biasStride >= 0;
        if (bias && biasStride != 1 && nn > 1) {
            return null;
        }
        long ars = aStrides[nd - 2];
        long acs = aStrides[nd - 1];
        long brs = bStrides[nd - 2];
        long bcs = bStrides[nd - 1];

        // batch dims without size-1 dims, then merged where all three operands allow
        List<long[]> dims = new ArrayList<>(); // {size, out stride, a stride, b stride}
        for (int d = 0; d < nd - 2; d++) {
            if (outShape[d] != 1) {
                dims.add(new long[] {outShape[d], outStrides[d], aStrides[d], bStrides[d]});
            }
        }
        for (int i = dims.size() - 2; i >= 0; i--) {
            long[] outer = dims.get(i);
            long[] inner = dims.get(i + 1);
            if (outer[1] == inner[1] * inner[0] && outer[2] == inner[2] * inner[0] && outer[3] == inner[3] * inner[0]) {
                dims.set(i, new long[] {outer[0] * inner[0], inner[1], inner[2], inner[3]});
                dims.remove(i + 1);
            }
        }
        // fold trailing dims over which b is shared and a's rows continue into M
        while (!dims.isEmpty()) {
            long[] d = dims.get(dims.size() - 1);
            boolean sharedB = d[3] == 0;
            boolean rowsContinue = d[2] == mm * ars || mm == 1;
            if (!(sharedB && rowsContinue && d[1] == mm * nn)) {
                break;
            }
            long foldedArs = mm == 1 ? d[2] : ars;
            if (transposed(mm * d[0], k, foldedArs, acs) == null) {
                break; // e.g. a broadcast over the dim: its rows would overlap
            }
            ars = foldedArs;
            mm *= d[0];
            dims.remove(dims.size() - 1);
        }
        Operand opB = transposed(mm, k, ars, acs);
        Operand opA = transposed(k, nn, brs, bcs);
        if (opA == null || opB == null || mm > Integer.MAX_VALUE) {
            return null;
        }
        int batch = 1;
        long sa = 0;
        long sb = 0;
        long sc = mm * nn;
        if (!dims.isEmpty()) {
            long[] inner = dims.remove(dims.size() - 1);
            batch = Math.toIntExact(inner[0]);
            sc = inner[1];
            sb = inner[2];
            sa = inner[3];
        }
        int calls = 1;
        for (long[] d : dims) {
            calls = Math.multiplyExact(calls, Math.toIntExact(d[0]));
        }
        long[] offC = new long[calls];
        long[] offB = new long[calls];
        long[] offA = new long[calls];
        int[] index = new int[dims.size()];
        for (int c = 0; c < calls; c++) {
            long oc = outOffset;
            long ob = aOffset;
            long oa = bOffset;
            for (int d = 0; d < index.length; d++) {
                long[] dim = dims.get(d);
                oc += index[d] * dim[1];
                ob += index[d] * dim[2];
                oa += index[d] * dim[3];
            }
            offC[c] = oc;
            offB[c] = ob;
            offA[c] = oa;
            for (int d = index.length - 1; d >= 0; d--) {
                if (++index[d] < dims.get(d)[0]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return new GemmLayout(opA.op, opA.rows, opA.cols, opA.ld, opB.op, opB.rows, opB.cols, opB.ld,
                nn, mm, k, Math.max(1, nn), batch, sa, sb, sc, offA, offB, offC, bias);
    }

    /**
     * How cuBLASLt reads Xᵀ (C×R, column-major) for a row-major-indexed X (R×C) with strides
     * (rs, cs), or null if it cannot: as stored ({@code OP_N}, a C×R matrix with ld rs) when
     * columns are contiguous, or transposed ({@code OP_T}, an R×C matrix with ld cs) when rows are;
     * a leading dimension must be at least the stored rows (and 1).
     */
    private static Operand transposed(long r, long c, long rs, long cs) {
        if ((cs == 1 || c == 1) && (r == 1 || rs >= Math.max(1, c))) {
            return new Operand(DocumentedAbi.CUBLAS_OP_N, c, r, r == 1 ? Math.max(1, c) : rs);
        }
        if ((rs == 1 || r == 1) && (c == 1 || cs >= Math.max(1, r))) {
            return new Operand(DocumentedAbi.CUBLAS_OP_T, r, c, c == 1 ? Math.max(1, r) : cs);
        }
        return null;
    }

    /** @return the number of cublasLtMatmul calls */
    int calls() {
        return offsetsC.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GemmLayout g && opA == g.opA && rowsA == g.rowsA && colsA == g.colsA && lda == g.lda
                && opB == g.opB && rowsB == g.rowsB && colsB == g.colsB && ldb == g.ldb && m == g.m && n == g.n
                && k == g.k && ldc == g.ldc && batchCount == g.batchCount && strideA == g.strideA
                && strideB == g.strideB && strideC == g.strideC && bias == g.bias
                && Arrays.equals(offsetsA, g.offsetsA) && Arrays.equals(offsetsB, g.offsetsB)
                && Arrays.equals(offsetsC, g.offsetsC);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new long[] {opA, rowsA, colsA, lda, opB, rowsB, colsB, ldb, m, n, k, ldc, batchCount,
            strideA, strideB, strideC, bias ? 1 : 0, Arrays.hashCode(offsetsC)});
    }

    @Override
    public String toString() {
        return "GemmLayout[m=" + m + " n=" + n + " k=" + k + ", A " + (opA == DocumentedAbi.CUBLAS_OP_N ? "N" : "T")
                + " " + rowsA + "x" + colsA + " ld " + lda + ", B " + (opB == DocumentedAbi.CUBLAS_OP_N ? "N" : "T")
                + " " + rowsB + "x" + colsB + " ld " + ldb + ", ldc " + ldc + ", batch " + batchCount + " (strides "
                + strideA + ", " + strideB + ", " + strideC + ") x " + calls() + " call(s)" + (bias ? ", bias" : "")
                + "]";
    }
}
