package dev.jmae.gpu;

import dev.jmae.tensor.LinalgKernels;
import dev.jmae.tensor.Storage;
import dev.jmae.tensor.Tensor;

import java.util.Arrays;

/**
 * Host side of {@code kernels/gemm.c}: batched matmul with bias over strided (transposed, sliced,
 * broadcast) operands.
 *
 * <p>Planning, common to both variants: the batch dims are merged like elementwise operands;
 * then, while B is shared across the innermost batch dim (stride 0) and A's rows continue across
 * it, that dim is folded into M, so a Linear layer over [B, L, D] is one [B·L, D] product with
 * a single B operand instead of B small ones. Batch plans of more than 8 merged dims are split
 * into several launches.
 *
 * <p>GPU variant: one launch of 64x64 tiles (16x16 work-groups, A and B staged in local memory)
 * per batch plan, in slices of at most {@link #MAX_PROBLEMS} problems. CPU variant: A and B are
 * packed into zero-padded scratch panels (once when shared by every problem, else per problem, in
 * slices that keep the scratch under {@link #PACK_BUDGET} floats), then each work-item computes
 * {@link #MT} tiles of {@link #MR} x {@link #NR} down one B panel.
 *
 * <p>Shared by the OpenCL backend ({@code ClLinalg}, both variants) and the CUDA backend
 * ({@code CudaLinalg}, the GPU variant's planning), which launch through their {@link KernelLauncher}.
 */
public abstract class SharedLinalg implements LinalgKernels {

    private static final String FILE = "gemm.c";
    /** Micro-tile of the CPU variant; must match MR and NR in gemm.c. */
    static final int MR = 8;
    static final int NR = 32;
    /** Micro-tiles along M per work-item of the CPU variant (MT in gemm.c). */
    static final int MT = 4;
    /** GPU tile edge (TS in gemm.c) and its work-group edge (RTS). */
    static final int TS = 64;
    private static final int RTS = 16;
    /** Most problems per launch of the GPU kernel (grid z on CUDA is at most 65535). */
    static final int MAX_PROBLEMS = 65535;
    /** Most floats of packed panels held at once by the CPU variant (64 Mi floats = 256 MiB). */
    private static final long PACK_BUDGET = 64L << 20;

    /** The runtime the kernels are launched on. */
    protected final KernelLauncher launcher;

    /**
     * Creates the family on a runtime.
     *
     * @param launcher the device's launcher
     */
    protected SharedLinalg(KernelLauncher launcher) {
        this.launcher = launcher;
    }

    /** @return the device storage of a tensor (a kernel argument) */
    protected static Storage storage(Tensor t) {
        return t.storage();
    }

    @Override
    public void matmul(Tensor out, Tensor a, Tensor b, Tensor bias) {
        int nd = out.ndim();
        int m = out.size(nd - 2);
        int n = out.size(nd - 1);
        int k = a.size(nd - 1);
        if (out.numel() == 0) {
            return;
        }
        int[] as = a.strides();
        int[] bs = b.strides();
        int[] os = out.strides();
        int ars = as[nd - 2];
        int acs = as[nd - 1];
        int brs = bs[nd - 2];
        int bcs = bs[nd - 1];
        // merge the batch dims, then fold shared-B batch dims into M (innermost first)
        StridedPlan merged = StridedPlan.of(Arrays.copyOf(out.shape(), nd - 2),
                new int[][] {Arrays.copyOf(os, nd - 2), Arrays.copyOf(as, nd - 2), Arrays.copyOf(bs, nd - 2)},
                new int[] {out.offset(), a.offset(), b.offset()});
        int[] bshape = merged.shape();
        int[][] bstr = {merged.strides(0), merged.strides(1), merged.strides(2)};
        int rank = bshape.length;
        while (rank > 0) {
            int d = rank - 1;
            boolean sharedB = bstr[2][d] == 0;
            boolean rowsContinue = bstr[1][d] == (long) m * ars || m == 1;
            if (!(sharedB && rowsContinue && bstr[0][d] == (long) m * n)) {
                break;
            }
            if (m == 1) {
                ars = bstr[1][d];
            }
            m *= bshape[d];
            rank--;
        }
        int[] shape = Arrays.copyOf(bshape, rank);
        StridedPlan batch = StridedPlan.of(shape,
                new int[][] {Arrays.copyOf(bstr[0], rank), Arrays.copyOf(bstr[1], rank), Arrays.copyOf(bstr[2], rank)},
                new int[] {merged.offset(0), merged.offset(1), merged.offset(2)});
        Object biasArg = bias == null ? storage(out) : storage(bias);
        int biasOffset = bias == null ? 0 : bias.offset();
        int biasStride = bias == null ? 0 : bias.stride(0);
        int hasBias = bias == null ? 0 : 1;
        for (int[] s : batch.structs()) {
            if (launcher.variant() == Variant.GPU) {
                // problems in slices of at most MAX_PROBLEMS (CUDA's grid z limit), each from batchBase
                for (int base = 0; base < s[1]; base += MAX_PROBLEMS) {
                    launcher.launch(FILE, "matmul", new long[] {(long) ceil(n, TS) * RTS, (long) ceil(m, TS) * RTS,
                        Math.min(MAX_PROBLEMS, s[1] - base)}, new long[] {RTS, RTS, 1}, storage(out), storage(a),
                            storage(b), biasArg, s, m, n, k, new int[] {ars, acs, brs, bcs}, base, hasBias, biasOffset,
                            biasStride);
                }
            } else {
                packedProducts(out, a, b, biasArg, s, batch, m, n, k, ars, acs, brs, bcs, hasBias, biasOffset,
                        biasStride);
            }
        }
    }

    private void packedProducts(Tensor out, Tensor a, Tensor b, Object biasArg, int[] s, StridedPlan batch, int m,
                                int n, int k, int ars, int acs, int brs, int bcs, int hasBias, int biasOffset,
                                int biasStride) {
        int problems = s[1];
        boolean sharedA = allZero(batch.strides(1));
        boolean sharedB = allZero(batch.strides(2));
        int mPanels = ceil(m, MR);
        int nPanels = ceil(n, NR);
        long aSize = (long) mPanels * MR * k;
        long bSize = (long) nPanels * NR * k;
        long perProblem = (sharedA ? 0 : aSize) + (sharedB ? 0 : bSize);
        long fixed = (sharedA ? aSize : 0) + (sharedB ? bSize : 0);
        int slice = perProblem == 0 ? problems
                : (int) Math.max(1, Math.min(problems, (PACK_BUDGET - Math.min(fixed, PACK_BUDGET / 2)) / perProblem));
        Storage aShared = null;
        Storage bShared = null;
        try {
            if (sharedA) {
                aShared = pack("gemmPackA", a, s, 0, 1, m, k, ars, acs, mPanels, aSize);
            }
            if (sharedB) {
                bShared = pack("gemmPackB", b, s, 0, 1, n, k, brs, bcs, nPanels, bSize);
            }
            for (int base = 0; base < problems; base += slice) {
                int count = Math.min(slice, problems - base);
                Storage ap = sharedA ? null : pack("gemmPackA", a, s, base, count, m, k, ars, acs, mPanels, aSize);
                Storage bp = sharedB ? null : pack("gemmPackB", b, s, base, count, n, k, brs, bcs, nPanels, bSize);
                try {
                    launcher.launch(FILE, "matmul", new long[] {nPanels, ceil(mPanels, MT), count},
                            new long[] {4, 1, 1},
                            storage(out), sharedA ? aShared : ap, sharedB ? bShared : bp, biasArg, s, base,
                            m, n, k, mPanels, nPanels, sharedA ? 0 : (int) aSize, sharedB ? 0 : (int) bSize, hasBias,
                            biasOffset, biasStride);
                } finally {
                    if (ap != null) {
                        ap.release();
                    }
                    if (bp != null) {
                        bp.release();
                    }
                }
            }
        } finally {
            if (aShared != null) {
                aShared.release();
            }
            if (bShared != null) {
                bShared.release();
            }
        }
    }

    /** Packs count problems starting at base into fresh scratch panels. */
    private Storage pack(String kernel, Tensor src, int[] s, int base, int count, int rows, int k, int rowStride,
                         int colStride, int panels, long perProblem) {
        long total = perProblem * count;
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "matmul: a packed operand of " + total + " floats exceeds 2^31 elements");
        }
        Storage packed = launcher.scratch((int) total);
        long[] global = {k, panels, count};
        long[] local = {16, 1, 1};
        launcher.launch(FILE, kernel, global, local, packed, storage(src), s, base, rows, k,
                rowStride, colStride, panels);
        return packed;
    }

    private static boolean allZero(int[] v) {
        for (int x : v) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static int ceil(int a, int b) {
        return (a + b - 1) / b;
    }
}
