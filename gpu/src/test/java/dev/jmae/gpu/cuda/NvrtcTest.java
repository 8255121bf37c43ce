package dev.jmae.gpu.cuda;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NVRTC: architecture choice, options, and the bindings' marshalling through the fake NVRTC. */
class NvrtcTest {

    private static final int[] ARCHS = {75, 80, 86, 87, 89, 90, 100, 120};

    @Test
    void machineCodeForSupportedArchitecturesPtxOtherwise() {
        assertEquals("--gpu-architecture=sm_90", Nvrtc.architecture(90, ARCHS));
        assertEquals("--gpu-architecture=sm_80", Nvrtc.architecture(80, ARCHS));
        // a device newer than this NVRTC: PTX of the newest older architecture, compiled by the driver
        assertEquals("--gpu-architecture=compute_120", Nvrtc.architecture(121, ARCHS));
        assertEquals("--gpu-architecture=compute_90", Nvrtc.architecture(95, ARCHS));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Nvrtc.architecture(61, ARCHS));
        assertTrue(e.getMessage().contains("compute capability 6.1") && e.getMessage().contains("hint:"),
                e.getMessage());
    }

    @Test
    void baseOptionsAreIeeeAccurate() {
        List<String> o = Nvrtc.baseOptions();
        assertEquals(CudaLaunchLimits.NVRTC_OPTIONS, o, "one list of options for NVRTC and the nvcc compile test");
        assertTrue(o.containsAll(List.of("--std=c++17", "--ftz=false", "--prec-div=true", "--prec-sqrt=true")),
                o.toString());
        assertFalse(o.stream().anyMatch(s -> s.contains("fast")), o.toString());
    }

    @Test
    void driverMajorPicksTheNvrtcMajorFirst() {
        assertEquals("libnvrtc.so.13", Nvrtc.candidates(13).get(0));
        assertEquals("libnvrtc.so.12", Nvrtc.candidates(12).get(0));
        assertEquals("libcublasLt.so.13", CublasLt.candidates(13).get(0));
        assertEquals("libcublasLt.so.12", CublasLt.candidates(12).get(0));
    }

    @Test
    void compileMarshalsSourceOptionsAndImage() {
        Nvrtc nvrtc = FakeCuda.get().nvrtc();
        assertEquals("nvrtc 13.0", nvrtc.version());
        assertArrayEquals(ARCHS, nvrtc.supportedArchs());
        List<String> options = List.of("--gpu-architecture=sm_90", "-default-device", "-DX=\"a b\"");
        byte[] cubin = nvrtc.compile("extern \"C\" __global__ void k() {}", "k.cu", options);
        assertEquals(
                "CUBIN:--gpu-architecture=sm_90\n-default-device\n-DX=\"a b\"\nextern \"C\" __global__ void k() {}",
                new String(cubin, StandardCharsets.UTF_8));
        byte[] ptx = nvrtc.compile("src", "k.cu", List.of("--gpu-architecture=compute_90"));
        assertEquals(0, ptx[ptx.length - 1], "PTX comes NUL-terminated");
        assertEquals("PTX:--gpu-architecture=compute_90\nsrc",
                new String(ptx, 0, ptx.length - 1, StandardCharsets.UTF_8));
    }

    @Test
    void compileErrorsCarryTheLog() {
        Nvrtc nvrtc = FakeCuda.get().nvrtc();
        CudaException e = assertThrows(CudaException.class,
                () -> nvrtc.compile("#error nope", "bad.cu", List.of("--gpu-architecture=sm_90")));
        assertEquals(DocumentedAbi.NVRTC_ERROR_COMPILATION, e.code());
        assertEquals("NVRTC_ERROR_COMPILATION", e.errorName());
        assertTrue(e.getMessage().startsWith("nvrtcCompileProgram(bad.cu, --gpu-architecture=sm_90) failed"),
                e.getMessage());
        assertTrue(e.getMessage().contains("fake.cu(1): error: #error directive"), e.getMessage());
    }

    /**
     * The real NVRTC, where one is installed (the GPU machine; NVRTC needs no driver): a kernel
     * compiles to an ELF CUBIN for sm_90 and to PTX for compute_90, and an error carries the log.
     */
    @Test
    void realNvrtcCompilesAKernel() {
        NativeLibrary.Opened lib = Nvrtc.open(Nvrtc.candidates(13));
        org.junit.jupiter.api.Assumptions.assumeTrue(lib.found(), "no NVRTC here (tried " + lib.triedList()
                + "); the bindings are first exercised by the device check");
        Nvrtc nvrtc = new Nvrtc(lib.library());
        assertTrue(nvrtc.version().matches("nvrtc 1[2-9]\\.\\d+"), nvrtc.version());
        int[] archs = nvrtc.supportedArchs();
        assertTrue(java.util.Arrays.stream(archs).anyMatch(a -> a == 90), java.util.Arrays.toString(archs));
        String src = "extern \"C\" __global__ void axpy(float *y, const float *x, float a, int n) {\n"
                + "    int i = blockIdx.x * blockDim.x + threadIdx.x;\n    if (i < n) y[i] += a * x[i];\n}\n";
        List<String> opts = new java.util.ArrayList<>(Nvrtc.baseOptions());
        opts.add(Nvrtc.architecture(90, archs));
        byte[] cubin = nvrtc.compile(src, "axpy.cu", opts);
        assertArrayEquals(new byte[] {0x7f, 'E', 'L', 'F'}, java.util.Arrays.copyOf(cubin, 4),
                "a CUBIN is an ELF file");
        opts.set(opts.size() - 1, "--gpu-architecture=compute_90");
        byte[] ptx = nvrtc.compile(src, "axpy.cu", opts);
        String text = new String(ptx, 0, ptx.length - 1, StandardCharsets.UTF_8);
        assertTrue(text.contains(".entry axpy") && text.contains(".target sm_90"), text);
        CudaException e = assertThrows(CudaException.class, () -> nvrtc.compile("__global__ void k() { undeclared(); }",
                "bad.cu", Nvrtc.baseOptions()));
        assertEquals(DocumentedAbi.NVRTC_ERROR_COMPILATION, e.code());
        assertTrue(e.getMessage().contains("undeclared"), e.getMessage());
    }
}
