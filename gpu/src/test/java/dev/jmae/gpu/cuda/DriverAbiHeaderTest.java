package dev.jmae.gpu.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bindings' C prototypes, constants and struct layouts against NVIDIA's headers (issue 16,
 * must-show 2): a C program includes the header, redeclares each prototype and prints each value
 * ({@link AbiCheck}). The driver API ({@link DriverAbi}) is checked against the toolkit's
 * {@code cuda.h} and {@code library_types.h}, found like nvcc ({@code $CUDA_HOME}, {@code PATH},
 * {@code /usr/local/cuda*}); without them the test is skipped, and in CI it fails. NVRTC and
 * cuBLASLt ({@link DocumentedAbi}) are checked only where their headers exist (the GPU machine
 * of the device check); elsewhere those tests are skipped, also in CI, since our machines lack the
 * headers by design.
 */
class DriverAbiHeaderTest {

    static AbiCheck driver() {
        return new AbiCheck(List.of("cuda.h", "library_types.h"), DriverAbi.PROTOTYPES,
                AbiCheck.constantsOf(DriverAbi.class, "CU_", "CUDA_"), DriverAbi.STRUCTS);
    }

    @Test
    void driverPrototypesConstantsAndStructsMatchCudaH(@TempDir Path dir) {
        Path[] tools = NativeTools.requireCompilerAndCudaHeader();
        AbiCheck check = driver();
        Map<String, Long> measured = check.measure(tools[0], tools[1], dir);
        List<String> bad = check.mismatches(measured);
        assertTrue(bad.isEmpty(),
                "DriverAbi differs from " + tools[1].resolve("cuda.h") + ":\n" + String.join("\n", bad));
        // every value was compared: constants, the prototypes' types, the struct and its member
        assertEquals(check.expected().size(), measured.size(), "lines printed vs values expected");
        assertTrue(check.constants().size() >= 50, "constants checked: " + check.constants().size());
    }

    @Test
    void cudaHIsRecentEnoughForTheBindings(@TempDir Path dir) {
        Path[] tools = NativeTools.requireCompilerAndCudaHeader();
        AbiCheck version = new AbiCheck(List.of("cuda.h"), List.of(), Map.of("CUDA_VERSION", 0L), List.of());
        long headerVersion = version.measure(tools[0], tools[1], dir).get("const CUDA_VERSION");
        assertTrue(headerVersion >= DriverAbi.MIN_HEADER_VERSION, "cuda.h is CUDA_VERSION " + headerVersion
                + ", the prototypes (cuEventElapsedTime_v2) need " + DriverAbi.MIN_HEADER_VERSION);
    }

    /** The check can fail: a prototype with a wrong parameter type does not compile against the header. */
    @Test
    void aWrongPrototypeIsRejectedByTheCompiler(@TempDir Path dir) {
        Path[] tools = NativeTools.requireCompilerAndCudaHeader();
        AbiCheck wrong = new AbiCheck(List.of("cuda.h"),
                List.of("CUresult cuMemAlloc_v2(CUdeviceptr *dptr, unsigned int bytesize)"), Map.of(), List.of());
        NativeTools.Result r = wrong.compile(tools[0], tools[1], dir);
        assertNotEquals(0, r.exit(), "a prototype conflicting with cuda.h must not compile");
        assertTrue(r.output().contains("conflicting types"), r.output());
        AbiCheck constness = new AbiCheck(List.of("cuda.h"),
                List.of("CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, void *srcHost, size_t ByteCount,"
                        + " CUstream hStream)"),
                Map.of(), List.of());
        assertNotEquals(0, constness.compile(tools[0], tools[1], dir).exit(), "a dropped const must not compile");
    }

    /** The check can fail: a wrong constant, size or offset shows up as a mismatch. */
    @Test
    void aWrongValueIsReportedAsAMismatch(@TempDir Path dir) {
        Path[] tools = NativeTools.requireCompilerAndCudaHeader();
        Map<String, Long> constants = new LinkedHashMap<>();
        constants.put("CU_DEVICE_ATTRIBUTE_WARP_SIZE", 11L);
        AbiCheck wrong = new AbiCheck(List.of("cuda.h"), List.of("CUresult cuDeviceGetCount(int *count)"), constants,
                List.of(new CStruct("CUuuid", java.lang.foreign.MemoryLayout.structLayout(
                        java.lang.foreign.MemoryLayout.sequenceLayout(8, java.lang.foreign.ValueLayout.JAVA_BYTE)
                                .withName("bytes")))));
        List<String> bad = wrong.mismatches(wrong.measure(tools[0], tools[1], dir));
        assertEquals(2, bad.size(), String.valueOf(bad));
        assertTrue(bad.get(0).startsWith("const CU_DEVICE_ATTRIBUTE_WARP_SIZE: Java 11, header 10"), bad.get(0));
        assertTrue(bad.get(1).startsWith("sizeof CUuuid: Java 8, header 16"), bad.get(1));
    }

    @Test
    void nvrtcPrototypesAndConstantsMatchNvrtcH(@TempDir Path dir) {
        Path cc = NativeTools.compiler();
        Path inc = NativeTools.includeDirWith("nvrtc.h");
        Assumptions.assumeTrue(cc != null && inc != null, "nvrtc.h not found in " + CudaToolkit.includeDirs()
                + ": DocumentedAbi's NVRTC values (from NVIDIA's documentation) are first checked on the GPU machine");
        AbiCheck check = new AbiCheck(List.of("nvrtc.h"), DocumentedAbi.NVRTC_PROTOTYPES,
                AbiCheck.constantsOf(DocumentedAbi.class, "NVRTC_"), List.of());
        List<String> bad = check.mismatches(check.measure(cc, inc, dir));
        assertTrue(bad.isEmpty(), "DocumentedAbi (NVRTC) differs from nvrtc.h:\n" + String.join("\n", bad));
    }

    @Test
    void cublasLtPrototypesConstantsAndStructsMatchCublasLtH(@TempDir Path dir) {
        Path cc = NativeTools.compiler();
        Path inc = NativeTools.includeDirWith("cublasLt.h");
        Assumptions.assumeTrue(cc != null && inc != null, "cublasLt.h not found in " + CudaToolkit.includeDirs()
                + ": DocumentedAbi's cuBLASLt values (from NVIDIA's documentation) are first checked on the GPU machine");
        List<String> prototypes = new ArrayList<>(DocumentedAbi.CUBLASLT_PROTOTYPES);
        AbiCheck check = new AbiCheck(List.of("cublasLt.h"), prototypes,
                AbiCheck.constantsOf(DocumentedAbi.class, "CUBLAS"), DocumentedAbi.CUBLASLT_STRUCTS);
        List<String> bad = check.mismatches(check.measure(cc, inc, dir));
        assertTrue(bad.isEmpty(), "DocumentedAbi (cuBLASLt) differs from cublasLt.h:\n" + String.join("\n", bad));
    }
}
