package dev.jmae.gpu.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --matmul-precision names and the cuBLASLt compute types they select. */
class MatmulPrecisionTest {

    @Test
    void namesMirrorPyTorchAndSelectTheComputeType() {
        assertEquals(MatmulPrecision.HIGHEST, MatmulPrecision.parse("highest"));
        assertEquals(MatmulPrecision.HIGH, MatmulPrecision.parse(" HIGH "));
        assertEquals("highest", MatmulPrecision.HIGHEST.cliName());
        assertEquals(DocumentedAbi.CUBLAS_COMPUTE_32F, MatmulPrecision.HIGHEST.cublasComputeType());
        assertEquals(DocumentedAbi.CUBLAS_COMPUTE_32F_FAST_TF32, MatmulPrecision.HIGH.cublasComputeType());
    }

    @Test
    void otherNamesAreRejectedWithTheAcceptedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MatmulPrecision.parse("medium"));
        assertTrue(e.getMessage().contains("expected highest") && e.getMessage().contains("hint: medium"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MatmulPrecision.parse("tf32"));
        assertThrows(IllegalArgumentException.class, () -> MatmulPrecision.parse(null));
    }
}
