package dev.jmae.tensor;

import dev.jmae.tensor.cpu.CpuBackend;
import dev.jmae.tensor.reference.ReferenceBackend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry that maps a {@link Device} to its {@link Backend}: the built-in {@code reference}
 * and {@code cpu} backends, plus every {@link BackendProvider} on the class path.
 *
 * <p>One switch, {@link #setForceReference(boolean)} (or the system property
 * {@code jmae.forceReference=true} at startup), makes tensors on {@code cpu} run on the reference
 * kernels, so any result can be re-checked against the executable spec without changing code.
 */
public final class Backends {

    private static final ReferenceBackend REFERENCE = new ReferenceBackend();
    private static final CpuBackend CPU = new CpuBackend();
    private static final Map<Device, Backend> EXTERNAL = new ConcurrentHashMap<>();
    private static volatile List<BackendProvider> providers;
    private static volatile boolean forceReference = Settings.forceReference();

    private Backends() {
    }

    /**
     * The backend for a device.
     *
     * @param device the device
     * @return its backend (the reference backend for {@code cpu} while forcing the reference)
     * @throws BackendUnavailableException if no backend serves the device here, with the reason
     */
    public static Backend of(Device device) {
        switch (device.type()) {
            case "reference":
                return REFERENCE;
            case "cpu":
                return forceReference ? REFERENCE : CPU;
            default:
                return EXTERNAL.computeIfAbsent(device, Backends::createExternal);
        }
    }

    /**
     * Whether {@code cpu} tensors currently run on the reference kernels.
     *
     * @return the switch
     */
    public static boolean forceReference() {
        return forceReference;
    }

    /**
     * Makes {@code cpu} tensors run on the reference kernels (true) or on the Vector API
     * kernels (false), for every thread, from the next op on.
     *
     * @param force the new setting
     */
    public static void setForceReference(boolean force) {
        forceReference = force;
    }

    /**
     * The providers found on the class path.
     *
     * @return providers, in discovery order
     */
    public static List<BackendProvider> providers() {
        List<BackendProvider> p = providers;
        if (p == null) {
            List<BackendProvider> found = new ArrayList<>();
            for (BackendProvider bp : ServiceLoader.load(BackendProvider.class)) {
                found.add(bp);
            }
            p = List.copyOf(found);
            providers = p;
        }
        return p;
    }

    /**
     * Every device usable here: reference, cpu, then each available provider's devices.
     *
     * @return the devices
     */
    public static List<Device> availableDevices() {
        List<Device> out = new ArrayList<>(List.of(Device.REFERENCE, Device.CPU));
        for (BackendProvider p : providers()) {
            if (p.unavailableReason() == null) {
                for (int i = 0; i < p.deviceCount(); i++) {
                    out.add(new Device(p.type(), i));
                }
            }
        }
        return out;
    }

    private static Backend createExternal(Device device) {
        List<String> known = new ArrayList<>(List.of("reference", "cpu"));
        for (BackendProvider p : providers()) {
            known.add(p.type());
            if (!p.type().equals(device.type())) {
                continue;
            }
            String reason = p.unavailableReason();
            if (reason != null) {
                throw new BackendUnavailableException("device " + device + " is unavailable: " + reason);
            }
            if (device.index() >= p.deviceCount()) {
                throw new BackendUnavailableException("device " + device + " does not exist: " + p.type() + " has "
                        + p.deviceCount() + " device(s)");
            }
            return p.create(device.index());
        }
        throw new BackendUnavailableException("no backend for device type '" + device.type() + "'; known types: "
                + known + (device.type().equals("opencl") ? "; hint: put the jmae-gpu module on the class path" : ""));
    }
}
