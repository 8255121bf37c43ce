package dev.jmae.tensor;

import java.util.Locale;

/**
 * Where a tensor's storage lives and whose kernels run its ops: {@code reference} (scalar loops,
 * double accumulation; the executable spec), {@code cpu} (Vector API kernels on a thread pool;
 * the default) or a device contributed by a {@link BackendProvider}, such as {@code opencl:0}.
 *
 * @param type the backend type, lower case ({@code cpu}, {@code reference}, {@code opencl})
 * @param index the device index within the type, 0 for the built-in ones
 */
public record Device(String type, int index) {

    /** The Vector API CPU backend, the default device. */
    public static final Device CPU = new Device("cpu", 0);

    /** The scalar reference backend. */
    public static final Device REFERENCE = new Device("reference", 0);

    private static volatile Device defaultDevice = CPU;

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException if type is blank or index is negative
     */
    public Device {
        if (type == null || type.isBlank()) {
            throw new IllegalArgumentException("Device: expected a backend type such as cpu, reference or opencl, got '" + type + "'");
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
            throw new IllegalArgumentException("Device: expected NAME or NAME:INDEX (e.g. cpu, opencl:0), got '" + text + "'", e);
        }
    }

    /**
     * The device that creation methods without an explicit device use; {@link #CPU} unless
     * changed with {@link #setDefault(Device)}.
     *
     * @return the default device
     */
    public static Device defaultDevice() {
        return defaultDevice;
    }

    /**
     * Changes the default device for tensor creation, for every thread.
     *
     * @param device the new default
     */
    public static void setDefault(Device device) {
        defaultDevice = java.util.Objects.requireNonNull(device, "device");
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
        return index == 0 && !type.equals("opencl") ? type : type + ":" + index;
    }
}
