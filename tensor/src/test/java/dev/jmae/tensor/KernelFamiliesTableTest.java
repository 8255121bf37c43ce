package dev.jmae.tensor;

import dev.jmae.tensor.testing.KernelsTable;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/kernels.md's families table against the SPI and the reference and cpu backends. */
class KernelFamiliesTableTest {

    @Test
    void tableRowsAreTheBackendFamiliesWithTheirOps() {
        KernelsTable table = KernelsTable.read();
        table.assertFamiliesMatchTheInterfaces();
        assertEquals(7, KernelsTable.families().size(), "families: " + KernelsTable.families().keySet());
    }

    @Test
    void referenceAndCpuImplementEveryFamilyInSameStemFiles() {
        KernelsTable table = KernelsTable.read();
        table.assertColumn("reference", "Reference", Backends.of(Device.REFERENCE));
        table.assertColumn("cpu", "Cpu", Backends.of(Device.CPU));
    }

    @Test
    void backendsAreFoundThroughTheServiceLoaderIncludingTheBuiltIns() {
        List<String> types = Backends.providers().stream().map(BackendProvider::type).toList();
        assertTrue(types.containsAll(List.of("reference", "cpu")), "providers: " + types);
        assertEquals(List.of(Device.REFERENCE, Device.CPU), Backends.availableDevices().subList(0, 2));
        BackendUnavailableException e = org.junit.jupiter.api.Assertions.assertThrows(BackendUnavailableException.class,
                () -> Backends.of(new Device("cpu", 1)));
        assertTrue(e.getMessage().contains("device cpu:1 does not exist: cpu has 1 device(s)"), e.getMessage());
    }
}
