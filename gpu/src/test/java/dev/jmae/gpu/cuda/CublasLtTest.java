package dev.jmae.gpu.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cuBLASLt bindings against the real library, where one is installed (the GPU machine;
 * skipped elsewhere, also in CI). Descriptors, layouts and preferences are host objects, so this
 * needs no GPU; cuBLASLt checks each attribute's size, so setting every attribute jmae uses
 * checks the value types {@link DocumentedAbi} documents.
 */
class CublasLtTest {

    private static CublasLt library() {
        NativeLibrary.Opened lib = NativeLibrary.open(CublasLt.candidates(13));
        Assumptions.assumeTrue(lib.found(), "no cuBLASLt here (tried " + lib.triedList()
                + "); the bindings are first exercised by the device check");
        return new CublasLt(lib.library());
    }

    @Test
    void descriptorsLayoutsAndPreferencesAcceptEveryAttributeJmaeSets() {
        CublasLt lt = library();
        assertTrue(lt.version() >= 120000, "cublasLtGetVersion: " + lt.version());
        for (MatmulPrecision p : MatmulPrecision.values()) {
            MemorySegment desc = lt.matmulDescCreate(p.cublasComputeType(), DriverAbi.CUDA_R_32F);
            lt.matmulDescSetInt(desc, DocumentedAbi.CUBLASLT_MATMUL_DESC_TRANSA, DocumentedAbi.CUBLAS_OP_T);
            lt.matmulDescSetInt(desc, DocumentedAbi.CUBLASLT_MATMUL_DESC_TRANSB, DocumentedAbi.CUBLAS_OP_N);
            lt.matmulDescSetInt(desc, DocumentedAbi.CUBLASLT_MATMUL_DESC_EPILOGUE,
                    DocumentedAbi.CUBLASLT_EPILOGUE_BIAS);
            lt.matmulDescSetPointer(desc, DocumentedAbi.CUBLASLT_MATMUL_DESC_BIAS_POINTER, 0x10000L);
            lt.matmulDescDestroy(desc);
        }
        MemorySegment layout = lt.matrixLayoutCreate(DriverAbi.CUDA_R_32F, 768, 197, 768);
        lt.matrixLayoutSetInt(layout, DocumentedAbi.CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, 12);
        lt.matrixLayoutSetLong(layout, DocumentedAbi.CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, 768L * 197);
        lt.matrixLayoutDestroy(layout);
        MemorySegment pref = lt.preferenceCreate();
        lt.preferenceSetLong(pref, DocumentedAbi.CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, 32L << 20);
        lt.preferenceSetInt(pref, DocumentedAbi.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, 16);
        lt.preferenceSetInt(pref, DocumentedAbi.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, 4);
        lt.preferenceSetInt(pref, DocumentedAbi.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, 256);
        lt.preferenceSetInt(pref, DocumentedAbi.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, 256);
        lt.preferenceDestroy(pref);
    }

    /** The size check is real: a pointer attribute set with 4 bytes is refused, with the status name. */
    @Test
    void aWronglySizedAttributeIsRefusedByName() {
        CublasLt lt = library();
        MemorySegment desc = lt.matmulDescCreate(DocumentedAbi.CUBLAS_COMPUTE_32F, DriverAbi.CUDA_R_32F);
        CudaException e = assertThrows(CudaException.class,
                () -> lt.matmulDescSetInt(desc, DocumentedAbi.CUBLASLT_MATMUL_DESC_BIAS_POINTER, 0));
        assertEquals(DocumentedAbi.CUBLAS_STATUS_INVALID_VALUE, e.code());
        assertEquals("CUBLAS_STATUS_INVALID_VALUE", e.errorName());
        lt.matmulDescDestroy(desc);
    }
}
