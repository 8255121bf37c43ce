package dev.jmae.gpu.cuda;

import dev.jmae.gpu.cuda.NativeLibrary.Binding;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * cuBLASLt ({@code libcublasLt.so}), NVIDIA's matrix-multiply library, through the Foreign
 * Function &amp; Memory API: one Java method per C function of
 * {@link DocumentedAbi#CUBLASLT_PROTOTYPES}, each checking the {@code cublasStatus_t} and throwing
 * a {@link CudaException} with the status name ({@code cublasLtGetStatusName}).
 *
 * <p>Handles and descriptors are {@link MemorySegment} addresses. Attribute setters take the
 * value's C type as documented for each attribute (int32, uint32, uint64, int64 or a pointer).
 * Prototypes and values come from NVIDIA's documentation ({@link DocumentedAbi}) and are first
 * exercised by the device check.
 */
// binding native code is this class's purpose: its restricted FFM calls (library lookup, downcalls,
// reinterpret) are allowed by --enable-native-access in jmae's JVM flags
@SuppressWarnings("restricted")
final class CublasLt {

    /**
     * Sonames to try: the one matching the driver's CUDA major first.
     *
     * @param driverMajor the driver's CUDA major version
     * @return sonames, then the same names in the toolkit folders
     */
    static List<String> candidates(int driverMajor) {
        List<String> names = new ArrayList<>();
        if (driverMajor >= 13) {
            names.add("libcublasLt.so.13");
        }
        names.add("libcublasLt.so.12");
        if (driverMajor < 13) {
            names.add("libcublasLt.so.13");
        }
        names.add("libcublasLt.so");
        return CudaToolkit.libraryCandidates(names);
    }

    private final NativeLibrary library;
    private final Binding create;
    private final Binding getVersion;
    private final Binding getStatusName;
    private final Binding getStatusString;
    private final Binding matmulDescCreate;
    private final Binding matmulDescDestroy;
    private final Binding matmulDescSetAttribute;
    private final Binding matrixLayoutCreate;
    private final Binding matrixLayoutDestroy;
    private final Binding matrixLayoutSetAttribute;
    private final Binding preferenceCreate;
    private final Binding preferenceDestroy;
    private final Binding preferenceSetAttribute;
    private final Binding algoGetHeuristic;
    private final Binding matmul;

    /**
     * Binds cuBLASLt's functions (each resolved on first use).
     *
     * @param library the opened {@code libcublasLt.so.N}
     */
    CublasLt(NativeLibrary library) {
        this.library = library;
        List<Binding> b = new ArrayList<>();
        for (String p : DocumentedAbi.CUBLASLT_PROTOTYPES) {
            b.add(library.bind(p));
        }
        create = Nvrtc.find(b, "cublasLtCreate");
        getVersion = Nvrtc.find(b, "cublasLtGetVersion");
        getStatusName = Nvrtc.find(b, "cublasLtGetStatusName");
        getStatusString = Nvrtc.find(b, "cublasLtGetStatusString");
        matmulDescCreate = Nvrtc.find(b, "cublasLtMatmulDescCreate");
        matmulDescDestroy = Nvrtc.find(b, "cublasLtMatmulDescDestroy");
        matmulDescSetAttribute = Nvrtc.find(b, "cublasLtMatmulDescSetAttribute");
        matrixLayoutCreate = Nvrtc.find(b, "cublasLtMatrixLayoutCreate");
        matrixLayoutDestroy = Nvrtc.find(b, "cublasLtMatrixLayoutDestroy");
        matrixLayoutSetAttribute = Nvrtc.find(b, "cublasLtMatrixLayoutSetAttribute");
        preferenceCreate = Nvrtc.find(b, "cublasLtMatmulPreferenceCreate");
        preferenceDestroy = Nvrtc.find(b, "cublasLtMatmulPreferenceDestroy");
        preferenceSetAttribute = Nvrtc.find(b, "cublasLtMatmulPreferenceSetAttribute");
        algoGetHeuristic = Nvrtc.find(b, "cublasLtMatmulAlgoGetHeuristic");
        matmul = Nvrtc.find(b, "cublasLtMatmul");
    }

    /** @return the library these calls go to */
    NativeLibrary library() {
        return library;
    }

    private static String text(Binding binding, int status) {
        try {
            MemorySegment p = (MemorySegment) binding.handle().invokeExact(status);
            return p.equals(MemorySegment.NULL) ? null : p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return null;
        }
    }

    private void check(String call, int status) {
        if (status != DocumentedAbi.CUBLAS_STATUS_SUCCESS) {
            String name = text(getStatusName, status);
            throw new CudaException(call, status, name == null ? "cublasStatus_t " + status : name,
                    text(getStatusString, status), null);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /**
     * The library version ({@code cublasLtGetVersion}), e.g. 130001 for 13.0.1.
     *
     * @return the version number
     */
    long version() {
        try {
            return (long) getVersion.handle().invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * A library handle for the current context ({@code cublasLtCreate}).
     *
     * @return the cublasLtHandle_t
     */
    MemorySegment create() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check("cublasLtCreate", (int) create.handle().invokeExact(out));
            return out.get(ValueLayout.ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * An operation descriptor ({@code cublasLtMatmulDescCreate}).
     *
     * @param computeType a cublasComputeType_t ({@link MatmulPrecision#cublasComputeType()})
     * @param scaleType the cudaDataType_t of alpha and beta
     * @return the cublasLtMatmulDesc_t
     */
    MemorySegment matmulDescCreate(int computeType, int scaleType) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check("cublasLtMatmulDescCreate(" + computeType + ")",
                    (int) matmulDescCreate.handle().invokeExact(out, computeType, scaleType));
            return out.get(ValueLayout.ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void matmulDescDestroy(MemorySegment desc) {
        try {
            check("cublasLtMatmulDescDestroy", (int) matmulDescDestroy.handle().invokeExact(desc));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Sets an int32 or uint32 attribute of an operation descriptor.
     *
     * @param desc the descriptor
     * @param attribute a {@code CUBLASLT_MATMUL_DESC_*} value
     * @param value the value
     */
    void matmulDescSetInt(MemorySegment desc, int attribute, int value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_INT, value);
            check("cublasLtMatmulDescSetAttribute(" + attribute + ", " + value + ")",
                    (int) matmulDescSetAttribute.handle().invokeExact(desc, attribute, buf, 4L));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Sets a pointer attribute of an operation descriptor (e.g. the bias vector).
     *
     * @param desc the descriptor
     * @param attribute a {@code CUBLASLT_MATMUL_DESC_*} value
     * @param address the device address
     */
    void matmulDescSetPointer(MemorySegment desc, int attribute, long address) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_LONG, address);
            check("cublasLtMatmulDescSetAttribute(" + attribute + ")",
                    (int) matmulDescSetAttribute.handle().invokeExact(desc, attribute, buf, 8L));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * A matrix layout ({@code cublasLtMatrixLayoutCreate}), column-major unless set otherwise.
     *
     * @param type cudaDataType of the elements
     * @param rows rows
     * @param cols columns
     * @param ld leading dimension (elements between columns)
     * @return the cublasLtMatrixLayout_t
     */
    MemorySegment matrixLayoutCreate(int type, long rows, long cols, long ld) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check("cublasLtMatrixLayoutCreate(" + rows + "x" + cols + ", ld " + ld + ")",
                    (int) matrixLayoutCreate.handle().invokeExact(out, type, rows, cols, ld));
            return out.get(ValueLayout.ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void matrixLayoutDestroy(MemorySegment layout) {
        try {
            check("cublasLtMatrixLayoutDestroy", (int) matrixLayoutDestroy.handle().invokeExact(layout));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Sets an int32 attribute of a matrix layout (e.g. the batch count).
     *
     * @param layout the layout
     * @param attribute a {@code CUBLASLT_MATRIX_LAYOUT_*} value
     * @param value the value
     */
    void matrixLayoutSetInt(MemorySegment layout, int attribute, int value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_INT, value);
            check("cublasLtMatrixLayoutSetAttribute(" + attribute + ", " + value + ")",
                    (int) matrixLayoutSetAttribute.handle().invokeExact(layout, attribute, buf, 4L));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Sets an int64 attribute of a matrix layout (e.g. the batch stride).
     *
     * @param layout the layout
     * @param attribute a {@code CUBLASLT_MATRIX_LAYOUT_*} value
     * @param value the value
     */
    void matrixLayoutSetLong(MemorySegment layout, int attribute, long value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_LONG, value);
            check("cublasLtMatrixLayoutSetAttribute(" + attribute + ", " + value + ")",
                    (int) matrixLayoutSetAttribute.handle().invokeExact(layout, attribute, buf, 8L));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * A heuristic preference ({@code cublasLtMatmulPreferenceCreate}).
     *
     * @return the cublasLtMatmulPreference_t
     */
    MemorySegment preferenceCreate() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check("cublasLtMatmulPreferenceCreate", (int) preferenceCreate.handle().invokeExact(out));
            return out.get(ValueLayout.ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void preferenceDestroy(MemorySegment pref) {
        try {
            check("cublasLtMatmulPreferenceDestroy", (int) preferenceDestroy.handle().invokeExact(pref));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Sets a uint32 preference attribute (the minimum alignments).
     *
     * @param pref the preference
     * @param attribute a {@code CUBLASLT_MATMUL_PREF_*} value
     * @param value the value
     */
    void preferenceSetInt(MemorySegment pref, int attribute, int value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_INT, value);
            check("cublasLtMatmulPreferenceSetAttribute(" + attribute + ", " + value + ")",
                    (int) preferenceSetAttribute.handle().invokeExact(pref, attribute, buf, 4L));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Sets a uint64 preference attribute (the workspace size).
     *
     * @param pref the preference
     * @param attribute a {@code CUBLASLT_MATMUL_PREF_*} value
     * @param value the value
     */
    void preferenceSetLong(MemorySegment pref, int attribute, long value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_LONG, value);
            check("cublasLtMatmulPreferenceSetAttribute(" + attribute + ", " + value + ")",
                    (int) preferenceSetAttribute.handle().invokeExact(pref, attribute, buf, 8L));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The best algorithm for a problem ({@code cublasLtMatmulAlgoGetHeuristic} asking for one).
     *
     * @param handle the library handle
     * @param desc the operation
     * @param a layout of A
     * @param b layout of B
     * @param c layout of C (and D)
     * @param pref the preference
     * @param result receives one {@code cublasLtMatmulHeuristicResult_t}
     *     ({@link DocumentedAbi#CUBLASLT_MATMUL_HEURISTIC_RESULT})
     * @return whether an algorithm was found
     */
    boolean heuristic(MemorySegment handle, MemorySegment desc, MemorySegment a, MemorySegment b, MemorySegment c,
                      MemorySegment pref, MemorySegment result) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            int rc = (int) algoGetHeuristic.handle().invokeExact(handle, desc, a, b, c, c, pref, 1, result, count);
            if (rc == DocumentedAbi.CUBLAS_STATUS_NOT_SUPPORTED) {
                return false;
            }
            check("cublasLtMatmulAlgoGetHeuristic", rc);
            return count.get(ValueLayout.JAVA_INT, 0) > 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Queues D = alpha·op(A)·op(B) + beta·C (+ epilogue) on a stream ({@code cublasLtMatmul}).
     *
     * @param handle the library handle
     * @param desc the operation
     * @param alpha host float alpha
     * @param a device A
     * @param aDesc layout of A
     * @param b device B
     * @param bDesc layout of B
     * @param beta host float beta
     * @param c device C (may equal D)
     * @param cDesc layout of C
     * @param d device D
     * @param dDesc layout of D
     * @param algo the algorithm from {@link #heuristic}
     * @param workspace device workspace
     * @param workspaceBytes its size
     * @param stream the CUstream
     */
    void matmul(MemorySegment handle, MemorySegment desc, MemorySegment alpha, long a, MemorySegment aDesc, long b,
                MemorySegment bDesc, MemorySegment beta, long c, MemorySegment cDesc, long d, MemorySegment dDesc,
                MemorySegment algo, long workspace, long workspaceBytes, MemorySegment stream) {
        try {
            int rc = (int) matmul.handle().invokeExact(handle, desc, alpha, MemorySegment.ofAddress(a), aDesc,
                    MemorySegment.ofAddress(b), bDesc, beta, MemorySegment.ofAddress(c), cDesc,
                    MemorySegment.ofAddress(d), dDesc, algo, MemorySegment.ofAddress(workspace), workspaceBytes,
                    stream);
            check("cublasLtMatmul", rc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
