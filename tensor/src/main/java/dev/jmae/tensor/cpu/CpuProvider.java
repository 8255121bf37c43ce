package dev.jmae.tensor.cpu;

import dev.jmae.tensor.Backend;
import dev.jmae.tensor.BackendProvider;
import dev.jmae.tensor.BackendUnavailableException;

/**
 * Contributes the {@code cpu} device (one, index 0) through {@link java.util.ServiceLoader}, like
 * every other backend; registered in {@code META-INF/services/dev.jmae.tensor.BackendProvider}.
 */
public final class CpuProvider implements BackendProvider {

    private static final CpuBackend BACKEND = new CpuBackend();

    /** Creates the provider (the service loader calls this). */
    public CpuProvider() {
    }

    @Override
    public String type() {
        return "cpu";
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public int deviceCount() {
        return 1;
    }

    @Override
    public Backend create(int index) {
        if (index != 0) {
            throw new BackendUnavailableException("device cpu:" + index + " does not exist: cpu has one device, cpu:0");
        }
        return BACKEND;
    }
}
