package dev.jmae.tensor;

import java.util.Locale;

/**
 * Where a tensor's storage lives and whose kernels run its ops: {@code reference} (scalar loops,
 * double accumulation; the executable spec), {@code cpu} (Vector API kernels on a thread pool;
 * the device of every creation method without a device argument) or a device contributed by a
 * {@link BackendProvider}, such as {@code opencl:0}. There is no mutable process-wide default:
 * modules, models, optimizers' state and data loaders are told their device (PyTorch's
 * {@code device=} argument), so two runs in one JVM can use two devices.
 *
 * @param type the backend type, lower case ({@code cpu}, {@code reference}, {@code opencl})
 * @param index the device index within the type, 0 for the built-in ones
 */
public record Device(String type, int index) {

    /** The Vector API CPU backend, where creation methods without a device argument allocate. */
    public static final Device CPU = new Device("cpu", 0);

    /** The scalar reference backend. */
    public static final Device REFERENCE = new Device("reference", 0);

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException if type is blank or index is negative
     */
    public Device {
        if (type == null || type.isBlank()) {
            throw new IllegalArgumentException(
                    "Device: expected a backend type such as cpu, reference or opencl, got '" + type + "'");
        }
        if (index < 0) {
            throw new IllegalArgumentException("Device: expected a device index >= 0, got " + index);
        }
        type = type.toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code cpu}, {@code reference}, {@code opencl} or {@code opencl:1}.
     *
     * @param text the device name, optionally with {@code :index}
     * @return the device
     * @throws IllegalArgumentException if the text is malformed
     */
    public static Device parse(String text) {
        String t = text.trim();
        int colon = t.indexOf(':');
        if (colon < 0) {
            return new Device(t, 0);
        }
        try {
            return new Device(t.substring(0, colon), Integer.parseInt(t.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "Device: expected NAME or NAME:INDEX (e.g. cpu, opencl:0), got '" + text + "'", e);
        }
    }

    /**
     * The backend that runs ops for tensors on this device.
     *
     * @return the backend
     * @throws BackendUnavailableException if no backend of this type is available, with the reason
     */
    public Backend backend() {
        return Backends.of(this);
    }

    @Override
    public String toString() {
        boolean single = type.equals("cpu") || type.equals("reference");
        return single && index == 0 ? type : type + ":" + index;
    }
}
