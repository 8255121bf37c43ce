package dev.jmae.tensor;

/**
 * A source of backends for one device type, discovered with {@link java.util.ServiceLoader}
 * (register the implementation in {@code META-INF/services/dev.jmae.tensor.BackendProvider}).
 * The {@code gpu} module contributes {@code opencl} this way; a TornadoVM or CUDA backend would
 * be another provider.
 */
public interface BackendProvider {

    /**
     * The device type this provider serves, lower case (e.g. {@code opencl}).
     *
     * @return the type
     */
    String type();

    /**
     * Why this provider cannot create backends here, or null when it can (e.g. "no OpenCL
     * platform found; hint: apt-get install pocl-opencl-icd").
     *
     * @return the reason, or null if available
     */
    String unavailableReason();

    /**
     * The number of devices of this type.
     *
     * @return device count, 0 when unavailable
     */
    int deviceCount();

    /**
     * Creates (or returns the cached) backend for one device.
     *
     * @param index the device index, in [0, deviceCount())
     * @return the backend
     * @throws BackendUnavailableException if the device cannot be used, with the reason
     */
    Backend create(int index);
}
