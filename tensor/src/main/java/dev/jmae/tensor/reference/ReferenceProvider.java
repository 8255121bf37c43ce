package dev.jmae.tensor.reference;

import dev.jmae.tensor.Backend;
import dev.jmae.tensor.BackendProvider;
import dev.jmae.tensor.BackendUnavailableException;

/**
 * Contributes the {@code reference} device (one, index 0), the executable specification, through
 * {@link java.util.ServiceLoader} like every other backend; registered in
 * {@code META-INF/services/dev.jmae.tensor.BackendProvider}.
 */
public final class ReferenceProvider implements BackendProvider {

    private static final ReferenceBackend BACKEND = new ReferenceBackend();

    /** Creates the provider (the service loader calls this). */
    public ReferenceProvider() {
    }

    @Override
    public String type() {
        return "reference";
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
            throw new BackendUnavailableException(
                    "device reference:" + index + " does not exist: reference has one device, reference:0");
        }
        return BACKEND;
    }
}
