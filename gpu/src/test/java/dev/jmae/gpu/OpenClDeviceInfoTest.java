package dev.jmae.gpu;

import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jmae devices} for OpenCL: what the driver reports about each probed device (PoCL in CI). */
class OpenClDeviceInfoTest {

    @Test
    void everyDeviceIsDescribedWithVersionsAndMemory() {
        GpuTesting.openclDevice();
        OpenClProvider provider = (OpenClProvider) Backends.providers().stream()
                .filter(p -> p.type().equals("opencl")).findFirst().orElseThrow();
        List<DeviceInfo> info = provider.deviceInfo();
        assertEquals(provider.deviceCount(), info.size());
        for (int i = 0; i < info.size(); i++) {
            DeviceInfo d = info.get(i);
            assertEquals(new Device("opencl", i), d.device());
            assertFalse(d.name().isBlank(), d.toString());
            assertTrue(d.architecture().startsWith("OpenCL "), d.architecture());
            assertTrue(d.memoryBytes() > 0, d.toString());
            assertFalse(d.versions().get("driver").isBlank(), d.versions().toString());
            assertTrue(d.versions().get("platform").contains("("), d.versions().toString());
            assertTrue(d.versions().get("OpenCL C").startsWith("OpenCL C "), d.versions().toString());
            assertTrue(Integer.parseInt(d.properties().get("compute units")) > 0, d.properties().toString());
            assertTrue(List.of("GPU", "CPU", "other").contains(d.properties().get("type")), d.properties().toString());
        }
        // the name matches what the opened backend reports
        assertEquals(GpuTesting.openclBackend().deviceName(), info.get(0).name());
    }
}
