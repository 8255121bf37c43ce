package dev.jmae.gpu.cuda;

import java.util.Locale;

/**
 * How float32 matrix products may be computed on a CUDA device, mirroring
 * {@code torch.set_float32_matmul_precision} (the CLI's {@code --matmul-precision}).
 *
 * <ul>
 *   <li>{@link #HIGHEST}: strict float32: fp32 multiplies and fp32 accumulation (cuBLASLt
 *       {@code CUBLAS_COMPUTE_32F}). PyTorch's default.</li>
 *   <li>{@link #HIGH}: TF32 tensor cores: inputs rounded to TF32 (10 mantissa bits) for the
 *       multiplies, fp32 accumulation (cuBLASLt {@code CUBLAS_COMPUTE_32F_FAST_TF32}); about
 *       8x the fp32 rate on Ampere and Hopper, relative error near 3e-4 on random data.</li>
 * </ul>
 *
 * <p>Storage stays float32 either way. The choice applies to every matrix product of the backend:
 * the cuBLASLt GEMMs (compute type chosen in {@link CublasLtMatmul}), and, once they exist, the
 * tensor-core attention kernels (TF32 {@code mma} at {@code high}, the SIMT fp32 kernel at
 * {@code highest}). PyTorch's third value, {@code medium} (bf16), is not offered.
 */
public enum MatmulPrecision {
    /** Strict float32 (CUBLAS_COMPUTE_32F). */
    HIGHEST(DocumentedAbi.CUBLAS_COMPUTE_32F),
    /** TF32 tensor cores, float32 accumulation (CUBLAS_COMPUTE_32F_FAST_TF32). */
    HIGH(DocumentedAbi.CUBLAS_COMPUTE_32F_FAST_TF32);

    private final int cublasComputeType;

    MatmulPrecision(int cublasComputeType) {
        this.cublasComputeType = cublasComputeType;
    }

    /**
     * The cuBLASLt compute type of this precision.
     *
     * @return a {@code cublasComputeType_t} value
     */
    int cublasComputeType() {
        return cublasComputeType;
    }

    /**
     * The name as the CLI and PyTorch spell it.
     *
     * @return {@code highest} or {@code high}
     */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code highest} or {@code high} (any case).
     *
     * @param text the name
     * @return the precision
     * @throws IllegalArgumentException for any other text, naming the accepted values
     */
    public static MatmulPrecision parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (MatmulPrecision p : values()) {
            if (p.cliName().equals(t)) {
                return p;
            }
        }
        String hint = t.equals("medium") ? "; hint: medium (bf16 products) is not supported, use high for TF32" : "";
        throw new IllegalArgumentException("--matmul-precision: expected highest (strict fp32) or high (TF32 tensor"
                + " cores), got '" + text + "'" + hint);
    }
}
