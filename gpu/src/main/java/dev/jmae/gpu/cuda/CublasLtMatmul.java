package dev.jmae.gpu.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs {@link GemmLayout}s with cuBLASLt on a device's stream, in float32 storage with the compute
 * type of the backend's {@link MatmulPrecision} ({@code CUBLAS_COMPUTE_32F} at {@code highest},
 * {@code CUBLAS_COMPUTE_32F_FAST_TF32} at {@code high}): this is where the precision mode reaches
 * the library.
 *
 * <p>Per distinct problem (layout, precision, operand alignments) the descriptors and the
 * heuristic's algorithm are created once and cached, as cuBLAS's documentation advises (the
 * heuristic costs tens of microseconds of host time). Alignments matter because a view's data
 * need not start on cuBLASLt's default 256-byte boundary; the preference states the real ones, so
 * the heuristic picks only kernels that can read them. The workspace is 32 MiB on Hopper and newer
 * and 4 MiB before (cuBLAS's recommendation, as PyTorch uses), held for the backend's life.
 */
final class CublasLtMatmul {

    private record Key(int opA, long rowsA, long colsA, long lda, int opB, long rowsB, long colsB, long ldb, long m,
                       long n, long k, long ldc, int batch, long strideA, long strideB, long strideC, boolean bias,
                       MatmulPrecision precision, int alignA, int alignB, int alignC) {
    }

    private record Plan(MemorySegment desc, MemorySegment a, MemorySegment b, MemorySegment c, MemorySegment algo) {
    }

    private final CublasLt lt;
    private final CudaContext context;
    private final MemorySegment handle;
    private final long workspace;
    private final long workspaceBytes;
    private final MemorySegment one;
    private final MemorySegment zero;
    private final Map<Key, Plan> plans = new HashMap<>();

    /**
     * Creates the library handle and the workspace for a device.
     *
     * @param lt the library
     * @param context the device (current on the calling thread)
     */
    CublasLtMatmul(CublasLt lt, CudaContext context) {
        this.lt = lt;
        this.context = context;
        context.makeCurrent();
        this.handle = lt.create();
        this.workspaceBytes = context.properties().major() >= 9 ? 32L << 20 : 4L << 20;
        this.workspace = context.allocator().allocate(workspaceBytes, context.streamId()).pointer();
        Arena global = Arena.global();
        this.one = global.allocateFrom(ValueLayout.JAVA_FLOAT, 1f);
        this.zero = global.allocateFrom(ValueLayout.JAVA_FLOAT, 0f);
    }

    /**
     * The largest power of two (at most 256) dividing an address and, for batches, the batch stride.
     *
     * @param address a device address
     * @param strideBytes bytes between batch matrices, or 0
     * @return the alignment in bytes
     */
    static int alignment(long address, long strideBytes) {
        long bits = address | strideBytes | 256;
        return (int) Long.lowestOneBit(bits);
    }

    /**
     * Queues the product of a plan: out = a · b (+ bias).
     *
     * @param g the layout
     * @param b device address of element 0 of jmae's b (cuBLASLt's A)
     * @param a device address of element 0 of jmae's a (cuBLASLt's B)
     * @param out device address of element 0 of out
     * @param bias device address of the bias's first element, when {@code g.bias()}
     * @param precision the compute precision
     * @return false if cuBLASLt has no algorithm for this problem (nothing was queued; the caller
     *     uses the SIMT kernel)
     */
    boolean run(GemmLayout g, long b, long a, long out, long bias, MatmulPrecision precision) {
        int alignA = 256;
        int alignB = 256;
        int alignC = 256;
        for (int i = 0; i < g.calls(); i++) {
            alignA = Math.min(alignA, alignment(b + 4 * g.offsetsA()[i], g.batchCount() > 1 ? 4 * g.strideA() : 0));
            alignB = Math.min(alignB, alignment(a + 4 * g.offsetsB()[i], g.batchCount() > 1 ? 4 * g.strideB() : 0));
            alignC = Math.min(alignC, alignment(out + 4 * g.offsetsC()[i], g.batchCount() > 1 ? 4 * g.strideC() : 0));
        }
        Key key = new Key(g.opA(), g.rowsA(), g.colsA(), g.lda(), g.opB(), g.rowsB(), g.colsB(), g.ldb(), g.m(), g.n(),
                g.k(), g.ldc(), g.batchCount(), g.strideA(), g.strideB(), g.strideC(), g.bias(), precision, alignA,
                alignB, alignC);
        synchronized (context) {
            context.makeCurrent();
            Plan p = plans.get(key);
            if (p == null) {
                p = create(key);
                if (p == null) {
                    return false;
                }
                plans.put(key, p);
            }
            if (g.bias()) {
                lt.matmulDescSetPointer(p.desc(), DocumentedAbi.CUBLASLT_MATMUL_DESC_BIAS_POINTER, bias);
            }
            for (int i = 0; i < g.calls(); i++) {
                long d = out + 4 * g.offsetsC()[i];
                lt.matmul(handle, p.desc(), one, b + 4 * g.offsetsA()[i], p.a(), a + 4 * g.offsetsB()[i], p.b(), zero,
                        d, p.c(), d, p.c(), p.algo(), workspace, workspaceBytes, context.stream());
            }
            return true;
        }
    }

    private Plan create(Key k) {
        MemorySegment desc = lt.matmulDescCreate(k.precision().cublasComputeType(), DriverAbi.CUDA_R_32F);
        lt.matmulDescSetInt(desc, DocumentedAbi.CUBLASLT_MATMUL_DESC_TRANSA, k.opA());
        lt.matmulDescSetInt(desc, DocumentedAbi.CUBLASLT_MATMUL_DESC_TRANSB, k.opB());
        lt.matmulDescSetInt(desc, DocumentedAbi.CUBLASLT_MATMUL_DESC_EPILOGUE,
                k.bias() ? DocumentedAbi.CUBLASLT_EPILOGUE_BIAS : DocumentedAbi.CUBLASLT_EPILOGUE_DEFAULT);
        MemorySegment a = layout(k.rowsA(), k.colsA(), k.lda(), k.batch(), k.strideA());
        MemorySegment b = layout(k.rowsB(), k.colsB(), k.ldb(), k.batch(), k.strideB());
        MemorySegment c = layout(k.m(), k.n(), k.ldc(), k.batch(), k.strideC());
        MemorySegment pref = lt.preferenceCreate();
        try {
            lt.preferenceSetLong(pref, DocumentedAbi.CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, workspaceBytes);
            lt.preferenceSetInt(pref, DocumentedAbi.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, k.alignA());
            lt.preferenceSetInt(pref, DocumentedAbi.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, k.alignB());
            lt.preferenceSetInt(pref, DocumentedAbi.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, k.alignC());
            lt.preferenceSetInt(pref, DocumentedAbi.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, k.alignC());
            MemorySegment result = Arena.global().allocate(DocumentedAbi.CUBLASLT_MATMUL_HEURISTIC_RESULT.layout());
            if (!lt.heuristic(handle, desc, a, b, c, pref, result)) {
                lt.matmulDescDestroy(desc);
                lt.matrixLayoutDestroy(a);
                lt.matrixLayoutDestroy(b);
                lt.matrixLayoutDestroy(c);
                return null;
            }
            MemorySegment algo = result.asSlice(DocumentedAbi.CUBLASLT_MATMUL_HEURISTIC_RESULT.offset("algo"),
                    DocumentedAbi.CUBLASLT_MATMUL_ALGO.layout().byteSize());
            return new Plan(desc, a, b, c, algo);
        } finally {
            lt.preferenceDestroy(pref);
        }
    }

    private MemorySegment layout(long rows, long cols, long ld, int batch, long stride) {
        MemorySegment l = lt.matrixLayoutCreate(DriverAbi.CUDA_R_32F, rows, cols, ld);
        if (batch > 1) {
            lt.matrixLayoutSetInt(l, DocumentedAbi.CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, batch);
            lt.matrixLayoutSetLong(l, DocumentedAbi.CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, stride);
        }
        return l;
    }
}
