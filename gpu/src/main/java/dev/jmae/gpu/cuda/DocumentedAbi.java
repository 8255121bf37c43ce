package dev.jmae.gpu.cuda;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * The NVRTC ({@code libnvrtc.so}) and cuBLASLt ({@code libcublasLt.so}) prototypes, enum values
 * and struct layouts jmae binds, <b>written from NVIDIA's documentation</b>: the machines that
 * build jmae have the CUDA toolkit's {@code cuda.h} but not {@code nvrtc.h} or
 * {@code cublasLt.h}, so unlike {@link DriverAbi} these values are not compared with a header in
 * CI. They are first exercised by the device check on a GPU machine, where
 * {@code DriverAbiHeaderTest} also compares them with the headers if it finds them (the same
 * generated C program: prototypes redeclared, constants printed by name, struct sizes and
 * offsets). Names are the C names, so that program can print them.
 *
 * <p>Checked once outside CI (2026-12-07): every prototype, constant and struct here matched the
 * headers of NVIDIA's pip wheels {@code nvidia-cuda-nvrtc 13.0.88} ({@code nvrtc.h}) and
 * {@code nvidia-cublas 13.1.1.3} ({@code cublasLt.h}) in {@code DriverAbiHeaderTest}, and the
 * wheels' {@code libnvrtc.so.13} (a kernel compiled to CUBIN and PTX, {@code NvrtcTest}) and
 * {@code libcublasLt.so.13} (every descriptor attribute jmae sets accepted, {@code CublasLtTest})
 * ran through these bindings on a machine without a GPU. Run them again by pointing
 * {@code CUDA_HOME}/{@code CUDA_PATH} at the unpacked wheels' {@code nvidia/cu13} folders.
 *
 * <p>Sources, cited per value below:
 * <ul>
 *   <li>[NVRTC] NVRTC User Guide, "API Reference", https://docs.nvidia.com/cuda/nvrtc/index.html
 *       (nvrtcResult values also listed at
 *       https://nvidia.github.io/cuda-python/cuda-bindings/latest/module/nvrtc.html).</li>
 *   <li>[LT] cuBLAS documentation, "Using the cuBLASLt API",
 *       https://docs.nvidia.com/cuda/cublas/index.html#using-the-cublaslt-api (function
 *       signatures and attribute value types).</li>
 *   <li>[NVMATH] numeric enum values as NVIDIA's nvmath-python bindings list them:
 *       https://docs.nvidia.com/cuda/nvmath-python/latest/bindings/cublasLt.html (MatmulDescAttribute,
 *       MatrixLayoutAttribute, MatmulPreferenceAttribute, Epilogue, Order) and
 *       https://docs.nvidia.com/cuda/nvmath-python/latest/bindings/generated/nvmath.bindings.cublas.ComputeType.html,
 *       nvmath.bindings.cublas.Status, nvmath.bindings.cublas.Operation.</li>
 * </ul>
 */
final class DocumentedAbi {

    private DocumentedAbi() {
    }

    // ================================================================== NVRTC

    /** nvrtcResult: success. [NVRTC] */
    static final int NVRTC_SUCCESS = 0;
    /** nvrtcResult. [NVRTC] */
    static final int NVRTC_ERROR_OUT_OF_MEMORY = 1;
    /** nvrtcResult. [NVRTC] */
    static final int NVRTC_ERROR_PROGRAM_CREATION_FAILURE = 2;
    /** nvrtcResult. [NVRTC] */
    static final int NVRTC_ERROR_INVALID_INPUT = 3;
    /** nvrtcResult. [NVRTC] */
    static final int NVRTC_ERROR_INVALID_PROGRAM = 4;
    /** nvrtcResult: an option NVRTC does not know, e.g. an architecture newer than it. [NVRTC] */
    static final int NVRTC_ERROR_INVALID_OPTION = 5;
    /** nvrtcResult: the source did not compile; the program log says why. [NVRTC] */
    static final int NVRTC_ERROR_COMPILATION = 6;
    /** nvrtcResult. [NVRTC] */
    static final int NVRTC_ERROR_BUILTIN_OPERATION_FAILURE = 7;
    /** nvrtcResult. [NVRTC] */
    static final int NVRTC_ERROR_INTERNAL_ERROR = 11;

    /** NVRTC functions (nvrtc.h). [NVRTC] sections "Error Handling", "General Information Query", "Compilation". */
    static final List<String> NVRTC_PROTOTYPES = List.of(
            "const char *nvrtcGetErrorString(nvrtcResult result)",
            "nvrtcResult nvrtcVersion(int *major, int *minor)",
            "nvrtcResult nvrtcGetNumSupportedArchs(int *numArchs)",
            "nvrtcResult nvrtcGetSupportedArchs(int *supportedArchs)",
            "nvrtcResult nvrtcCreateProgram(nvrtcProgram *prog, const char *src, const char *name, int numHeaders,"
                    + " const char * const *headers, const char * const *includeNames)",
            "nvrtcResult nvrtcDestroyProgram(nvrtcProgram *prog)",
            "nvrtcResult nvrtcCompileProgram(nvrtcProgram prog, int numOptions, const char * const *options)",
            "nvrtcResult nvrtcGetProgramLogSize(nvrtcProgram prog, size_t *logSizeRet)",
            "nvrtcResult nvrtcGetProgramLog(nvrtcProgram prog, char *log)",
            "nvrtcResult nvrtcGetCUBINSize(nvrtcProgram prog, size_t *cubinSizeRet)",
            "nvrtcResult nvrtcGetCUBIN(nvrtcProgram prog, char *cubin)",
            "nvrtcResult nvrtcGetPTXSize(nvrtcProgram prog, size_t *ptxSizeRet)",
            "nvrtcResult nvrtcGetPTX(nvrtcProgram prog, char *ptx)");

    // ================================================================== cuBLAS / cuBLASLt

    /** cublasStatus_t. [NVMATH] nvmath.bindings.cublas.Status */
    static final int CUBLAS_STATUS_SUCCESS = 0;
    /** cublasStatus_t. [NVMATH] */
    static final int CUBLAS_STATUS_NOT_INITIALIZED = 1;
    /** cublasStatus_t. [NVMATH] */
    static final int CUBLAS_STATUS_ALLOC_FAILED = 3;
    /** cublasStatus_t. [NVMATH] */
    static final int CUBLAS_STATUS_INVALID_VALUE = 7;
    /** cublasStatus_t. [NVMATH] */
    static final int CUBLAS_STATUS_ARCH_MISMATCH = 8;
    /** cublasStatus_t. [NVMATH] */
    static final int CUBLAS_STATUS_MAPPING_ERROR = 11;
    /** cublasStatus_t. [NVMATH] */
    static final int CUBLAS_STATUS_EXECUTION_FAILED = 13;
    /** cublasStatus_t. [NVMATH] */
    static final int CUBLAS_STATUS_INTERNAL_ERROR = 14;
    /** cublasStatus_t: no algorithm for this problem (e.g. an alignment the kernels cannot take). [NVMATH] */
    static final int CUBLAS_STATUS_NOT_SUPPORTED = 15;
    /** cublasStatus_t. [NVMATH] */
    static final int CUBLAS_STATUS_LICENSE_ERROR = 16;

    /** cublasOperation_t: no transpose. [NVMATH] nvmath.bindings.cublas.Operation */
    static final int CUBLAS_OP_N = 0;
    /** cublasOperation_t: transpose. [NVMATH] */
    static final int CUBLAS_OP_T = 1;

    /** cublasComputeType_t: fp32 inputs and accumulation, no tensor-core shortcuts. [NVMATH] nvmath.bindings.cublas.ComputeType */
    static final int CUBLAS_COMPUTE_32F = 68;
    /** cublasComputeType_t: fp32 storage, inputs rounded to TF32 for tensor cores, fp32 accumulation. [NVMATH] */
    static final int CUBLAS_COMPUTE_32F_FAST_TF32 = 77;

    /** cublasLtMatmulDescAttributes_t: op(A), value int32_t (cublasOperation_t). [NVMATH] MatmulDescAttribute; [LT] value type */
    static final int CUBLASLT_MATMUL_DESC_TRANSA = 3;
    /** cublasLtMatmulDescAttributes_t: op(B), value int32_t. [NVMATH]; [LT] */
    static final int CUBLASLT_MATMUL_DESC_TRANSB = 4;
    /** cublasLtMatmulDescAttributes_t: epilogue, value uint32_t (cublasLtEpilogue_t). [NVMATH]; [LT] */
    static final int CUBLASLT_MATMUL_DESC_EPILOGUE = 7;
    /** cublasLtMatmulDescAttributes_t: bias vector device pointer, value {@code const void *}. [NVMATH]; [LT] */
    static final int CUBLASLT_MATMUL_DESC_BIAS_POINTER = 8;

    /** cublasLtEpilogue_t: none. [NVMATH] Epilogue */
    static final int CUBLASLT_EPILOGUE_DEFAULT = 1;
    /** cublasLtEpilogue_t: add bias[rows of D], broadcast over the columns. [NVMATH]; [LT] */
    static final int CUBLASLT_EPILOGUE_BIAS = 4;
    /**
     * cublasLtEpilogue_t: GELU after the bias. cuBLASLt's GELU is the tanh approximation [LT], not
     * the exact erf GELU that nn.GELU (and jmae's models) use, so jmae does not use it. [NVMATH]
     */
    static final int CUBLASLT_EPILOGUE_GELU_BIAS = 36;

    /** cublasLtMatrixLayoutAttribute_t: element type, value uint32_t (cudaDataType). [NVMATH] MatrixLayoutAttribute; [LT] */
    static final int CUBLASLT_MATRIX_LAYOUT_TYPE = 0;
    /** cublasLtMatrixLayoutAttribute_t: memory order, value int32_t (cublasLtOrder_t). [NVMATH]; [LT] */
    static final int CUBLASLT_MATRIX_LAYOUT_ORDER = 1;
    /** cublasLtMatrixLayoutAttribute_t: rows, value uint64_t. [NVMATH]; [LT] */
    static final int CUBLASLT_MATRIX_LAYOUT_ROWS = 2;
    /** cublasLtMatrixLayoutAttribute_t: columns, value uint64_t. [NVMATH]; [LT] */
    static final int CUBLASLT_MATRIX_LAYOUT_COLS = 3;
    /** cublasLtMatrixLayoutAttribute_t: leading dimension, value int64_t. [NVMATH]; [LT] */
    static final int CUBLASLT_MATRIX_LAYOUT_LD = 4;
    /** cublasLtMatrixLayoutAttribute_t: number of matrices, value int32_t. [NVMATH]; [LT] */
    static final int CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT = 5;
    /** cublasLtMatrixLayoutAttribute_t: elements between consecutive matrices, value int64_t. [NVMATH]; [LT] */
    static final int CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET = 6;

    /** cublasLtOrder_t: column-major (the default). [NVMATH] Order */
    static final int CUBLASLT_ORDER_COL = 0;

    /** cublasLtMatmulPreferenceAttributes_t: workspace the algorithm may use, value uint64_t. [NVMATH] MatmulPreferenceAttribute; [LT] */
    static final int CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1;
    /** cublasLtMatmulPreferenceAttributes_t: guaranteed alignment of A, value uint32_t, default 256. [NVMATH]; [LT] */
    static final int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES = 5;
    /** cublasLtMatmulPreferenceAttributes_t: alignment of B, value uint32_t. [NVMATH]; [LT] */
    static final int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES = 6;
    /** cublasLtMatmulPreferenceAttributes_t: alignment of C, value uint32_t. [NVMATH]; [LT] */
    static final int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES = 7;
    /** cublasLtMatmulPreferenceAttributes_t: alignment of D, value uint32_t. [NVMATH]; [LT] */
    static final int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES = 8;

    /**
     * {@code cublasLtMatmulAlgo_t}: an opaque {@code uint64_t data[8]} (64 bytes), filled by the
     * heuristic and passed back to {@code cublasLtMatmul}. [LT] "cublasLtMatmulAlgo_t"
     */
    static final CStruct CUBLASLT_MATMUL_ALGO = new CStruct("cublasLtMatmulAlgo_t", MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_LONG).withName("data")));

    /**
     * {@code cublasLtMatmulHeuristicResult_t}: {@code cublasLtMatmulAlgo_t algo; size_t
     * workspaceSize; cublasStatus_t state; float wavesCount; int reserved[4];} (96 bytes).
     * [LT] "cublasLtMatmulHeuristicResult_t"
     */
    static final CStruct CUBLASLT_MATMUL_HEURISTIC_RESULT = new CStruct("cublasLtMatmulHeuristicResult_t",
            MemoryLayout.structLayout(
                    CUBLASLT_MATMUL_ALGO.layout().withName("algo"),
                    ValueLayout.JAVA_LONG.withName("workspaceSize"),
                    ValueLayout.JAVA_INT.withName("state"),
                    ValueLayout.JAVA_FLOAT.withName("wavesCount"),
                    MemoryLayout.sequenceLayout(4, ValueLayout.JAVA_INT).withName("reserved")));

    /** The structs above, for the header check. */
    static final List<CStruct> CUBLASLT_STRUCTS = List.of(CUBLASLT_MATMUL_ALGO, CUBLASLT_MATMUL_HEURISTIC_RESULT);

    /** cuBLASLt functions (cublasLt.h). [LT] sections "cuBLASLt API Reference". */
    static final List<String> CUBLASLT_PROTOTYPES = List.of(
            "cublasStatus_t cublasLtCreate(cublasLtHandle_t *lightHandle)",
            "cublasStatus_t cublasLtDestroy(cublasLtHandle_t lightHandle)",
            "size_t cublasLtGetVersion(void)",
            "const char *cublasLtGetStatusName(cublasStatus_t status)",
            "const char *cublasLtGetStatusString(cublasStatus_t status)",
            "cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t *matmulDesc, cublasComputeType_t computeType,"
                    + " cudaDataType_t scaleType)",
            "cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t matmulDesc)",
            "cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t matmulDesc,"
                    + " cublasLtMatmulDescAttributes_t attr, const void *buf, size_t sizeInBytes)",
            "cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t *matLayout, cudaDataType type,"
                    + " uint64_t rows, uint64_t cols, int64_t ld)",
            "cublasStatus_t cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t matLayout)",
            "cublasStatus_t cublasLtMatrixLayoutSetAttribute(cublasLtMatrixLayout_t matLayout,"
                    + " cublasLtMatrixLayoutAttribute_t attr, const void *buf, size_t sizeInBytes)",
            "cublasStatus_t cublasLtMatmulPreferenceCreate(cublasLtMatmulPreference_t *pref)",
            "cublasStatus_t cublasLtMatmulPreferenceDestroy(cublasLtMatmulPreference_t pref)",
            "cublasStatus_t cublasLtMatmulPreferenceSetAttribute(cublasLtMatmulPreference_t pref,"
                    + " cublasLtMatmulPreferenceAttributes_t attr, const void *buf, size_t sizeInBytes)",
            "cublasStatus_t cublasLtMatmulAlgoGetHeuristic(cublasLtHandle_t lightHandle,"
                    + " cublasLtMatmulDesc_t operationDesc, cublasLtMatrixLayout_t Adesc, cublasLtMatrixLayout_t Bdesc,"
                    + " cublasLtMatrixLayout_t Cdesc, cublasLtMatrixLayout_t Ddesc, cublasLtMatmulPreference_t preference,"
                    + " int requestedAlgoCount, cublasLtMatmulHeuristicResult_t heuristicResultsArray[],"
                    + " int *returnAlgoCount)",
            "cublasStatus_t cublasLtMatmul(cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t computeDesc,"
                    + " const void *alpha, const void *A, cublasLtMatrixLayout_t Adesc, const void *B,"
                    + " cublasLtMatrixLayout_t Bdesc, const void *beta, const void *C, cublasLtMatrixLayout_t Cdesc,"
                    + " void *D, cublasLtMatrixLayout_t Ddesc, const cublasLtMatmulAlgo_t *algo, void *workspace,"
                    + " size_t workspaceSizeInBytes, cudaStream_t stream)");
}
