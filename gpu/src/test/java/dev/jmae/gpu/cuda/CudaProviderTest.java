package dev.jmae.gpu.cuda;

import dev.jmae.gpu.DeviceInfo;
import dev.jmae.tensor.BackendProvider;
import dev.jmae.tensor.BackendUnavailableException;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Probing and the reasons the {@code cuda} type gives when it cannot run (issue 16: the
 * missing-driver path gives the promised message), with missing libraries and with the
 * host-emulated driver playing a stub, a machine without devices and a working machine.
 */
class CudaProviderTest {

    private static final List<String> NOWHERE = List.of("/nonexistent/jmae-test/libcuda.so.1",
            "libcuda-jmae-test-missing.so.1");

    @Test
    void withoutADriverLibraryTheReasonIsNoNvidiaDriver() {
        CudaProvider.Probe p = CudaProvider.probe(NOWHERE, major -> List.of(), major -> List.of());
        assertTrue(p.reason().startsWith("no NVIDIA driver: libcuda.so.1 was not found (tried "), p.reason());
        assertTrue(p.reason().contains("libcuda-jmae-test-missing.so.1"), p.reason());
        assertTrue(p.reason().contains("hint: install the NVIDIA driver"), p.reason());
        assertEquals(0, p.deviceCount());
        assertEquals(List.of(), CudaProvider.describe(p));
    }

    /** On a machine without libcuda.so.1 (ours), the registered provider says so everywhere it is asked. */
    @Test
    void theRegisteredProviderReportsTheMissingDriver() {
        Assumptions.assumeFalse(NativeLibrary.open(CudaDriver.CANDIDATES).found(),
                "this machine has libcuda.so.1; the missing-driver path is covered by the test above");
        BackendProvider cuda = Backends.providers().stream().filter(p -> p.type().equals("cuda")).findFirst()
                .orElseThrow(() -> new AssertionError("no 'cuda' provider registered in META-INF/services"));
        assertTrue(cuda.unavailableReason().startsWith("no NVIDIA driver"), cuda.unavailableReason());
        assertEquals(0, cuda.deviceCount());
        assertEquals(List.of(), ((CudaProvider) cuda).deviceInfo());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.of(new Device("cuda", 0)));
        assertTrue(e.getMessage().contains("is unavailable: no NVIDIA driver"), e.getMessage());
        assertTrue(Backends.availableDevices().stream().noneMatch(d -> d.type().equals("cuda")));
    }

    @Test
    void theToolkitStubIsNamedAsSuch() {
        FakeCuda fake = FakeCuda.get();
        fake.initResult(DriverAbi.CUDA_ERROR_STUB_LIBRARY);
        CudaProvider.Probe p = CudaProvider.probe(List.of(fake.driverPath.toString()), m -> List.of(), m -> List.of());
        assertTrue(p.reason().contains("is the CUDA toolkit's stub library, not an NVIDIA driver"), p.reason());
        assertTrue(p.reason().contains("CUDA_ERROR_STUB_LIBRARY (34)"), p.reason());
        assertTrue(p.reason().contains(fake.driverPath.toString()), "names the file loaded: " + p.reason());
        assertTrue(p.reason().contains("lib64/stubs"), p.reason());
        fake.reset();
    }

    @Test
    void noDeviceIsReportedFromCuInitAndFromTheCount() {
        FakeCuda fake = FakeCuda.get();
        fake.initResult(DriverAbi.CUDA_ERROR_NO_DEVICE);
        CudaProvider.Probe p = CudaProvider.probe(List.of(fake.driverPath.toString()), m -> List.of(), m -> List.of());
        assertTrue(p.reason().startsWith("the NVIDIA driver found no CUDA device (cuInit: CUDA_ERROR_NO_DEVICE (100)"),
                p.reason());
        fake.reset();
        fake.deviceCount(0);
        CudaProvider.Probe q = CudaProvider.probe(List.of(fake.driverPath.toString()), m -> List.of(), m -> List.of());
        assertTrue(q.reason().startsWith("the NVIDIA driver reports no CUDA device"), q.reason());
        fake.reset();
    }

    @Test
    void withoutNvrtcTheTypeIsUnavailableButTheDevicesAreListed() {
        FakeCuda fake = FakeCuda.get();
        CudaProvider.Probe p = CudaProvider.probe(List.of(fake.driverPath.toString()),
                major -> List.of("libnvrtc-jmae-missing.so." + major), major -> List.of());
        assertTrue(p.reason().contains("install the CUDA toolkit's NVRTC (libnvrtc.so.13"), p.reason());
        assertTrue(p.reason().contains("libnvrtc-jmae-missing.so.13"), "tried for driver major 13: " + p.reason());
        List<DeviceInfo> info = CudaProvider.describe(p);
        assertEquals(1, info.size());
        assertEquals("Fake GPU 0", info.get(0).name());
        assertTrue(info.get(0).versions().get("NVRTC").startsWith("missing: NVRTC"), info.get(0).versions().toString());
        assertTrue(info.get(0).versions().get("cuBLASLt").startsWith("missing: cuBLASLt was not found"),
                info.get(0).versions().toString());
    }

    @Test
    void aWorkingDriverAndNvrtcMakeTheTypeAvailableAndDescribed(@TempDir Path cache) {
        FakeCuda fake = FakeCuda.get();
        fake.deviceCount(2);
        fake.capacity(80L << 30);
        CudaProvider.Probe p = CudaProvider.probe(List.of(fake.driverPath.toString()),
                major -> List.of(fake.nvrtcPath.toString()), major -> List.of());
        assertNull(p.reason());
        assertEquals(2, p.deviceCount());
        assertEquals(13000, p.driverVersion());
        List<DeviceInfo> info = CudaProvider.describe(p);
        assertEquals(2, info.size());
        DeviceInfo d1 = info.get(1);
        assertEquals(new Device("cuda", 1), d1.device());
        assertEquals("Fake GPU 1", d1.name());
        assertEquals("compute capability 9.0", d1.architecture());
        assertEquals(80L << 30, d1.memoryBytes());
        assertEquals("13.0", d1.versions().get("CUDA driver API"));
        assertTrue(d1.versions().get("NVRTC").startsWith("13.0 ("), d1.versions().toString());
        assertEquals("132", d1.properties().get("multiprocessors"));
        assertEquals("GPU-10111213-1415-1617-1819-1a1b1c1d1e1f", d1.properties().get("UUID"));

        // open device 0 and run a kernel compiled by the (fake) NVRTC through the JIT cache
        CudaBackend b = CudaProvider.open(p, 0, program -> "// " + program, cache);
        Tensor y = Tensor.wrap(b.allocate(3), new int[] {3}, new int[] {1}, 0);
        Tensor x = Tensor.wrap(b.allocate(3), new int[] {3}, new int[] {1}, 0);
        b.write(y, new float[] {1, 2, 3}, 0);
        b.write(x, new float[] {10, 20, 30}, 0);
        CudaFunction axpy = b.context().function("blas", "axpy");
        b.context().launch(axpy, new int[] {1, 1, 1}, new int[] {3, 1, 1}, 0, CudaBackend.storage(y),
                CudaBackend.storage(x), 0.5f, 3);
        float[] got = new float[3];
        b.read(got, 0, y);
        assertArrayEquals(new float[] {6, 12, 18}, got);
        assertEquals(1, b.context().jit().compiles());
        assertEquals(new Device("cuda", 0), b.device());
        assertNull(b.gemm(), "no cuBLASLt here");
        assertTrue(b.gemmUnavailableReason().startsWith("cuBLASLt was not found"), b.gemmUnavailableReason());
        fake.reset();
    }

    @Test
    void reasonsForOtherFailuresSayWhatToDo() {
        assertTrue(CudaProvider.initFailed(803, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", null, "/x")
                .contains("does not match the kernel module"));
        assertTrue(CudaProvider.initFailed(999, "CUDA_ERROR_UNKNOWN", "unknown error", "/x")
                .equals("the NVIDIA driver failed to initialize (cuInit: CUDA_ERROR_UNKNOWN (999), unknown error)"));
        assertEquals("the NVIDIA driver supports CUDA 11.8, jmae needs CUDA 12.0 or newer; hint: update the NVIDIA"
                + " driver", CudaProvider.driverTooOld(11080));
        assertTrue(CudaProvider.nvrtcMissing("a, b", 12).contains("cuda-nvrtc-12-0"));
    }
}
