package dev.jmae.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry that maps a {@link Device} to its {@link Backend}. Every backend arrives the same
 * way, as a {@link BackendProvider} found by {@link ServiceLoader}: {@code reference} and
 * {@code cpu} from this module, {@code opencl} (and later {@code cuda}) from the {@code gpu}
 * module when it is on the class path.
 *
 * <p>One switch, {@link #setForceReference(boolean)} (or the system property
 * {@value Settings#FORCE_REFERENCE} at startup, see {@link Settings}), makes tensors on {@code cpu}
 * run on the reference kernels, so any result can be re-checked against the executable spec
 * without changing code.
 */
public final class Backends {

    private static final Map<Device, Backend> BACKENDS = new ConcurrentHashMap<>();
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
        if (forceReference && device.type().equals("cpu")) {
            return of(Device.REFERENCE);
        }
        Backend b = BACKENDS.get(device);
        return b != null ? b : BACKENDS.computeIfAbsent(device, Backends::create);
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
     * kernels (false), for every thread, from the next op on. A debugging aid: results on
     * {@code cpu} can be re-checked against the specification without changing code.
     *
     * @param force the new setting
     */
    public static void setForceReference(boolean force) {
        forceReference = force;
    }

    /**
     * The providers found on the class path, {@code reference} and {@code cpu} included.
     *
     * @return providers, in discovery order
     */
    public static List<BackendProvider> providers() {
        List<BackendProvider> p = providers;
        if (p == null) {
            List<BackendProvider> found = new ArrayList<>();
            for (BackendProvider bp : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) {
                found.add(bp);
            }
            p = List.copyOf(found);
            providers = p;
        }
        return p;
    }

    /**
     * Every device usable here: each available provider's devices, in discovery order
     * ({@code reference}, {@code cpu}, then the gpu module's).
     *
     * @return the devices
     */
    public static List<Device> availableDevices() {
        List<Device> out = new ArrayList<>();
        for (BackendProvider p : providers()) {
            if (p.unavailableReason() == null) {
                for (int i = 0; i < p.deviceCount(); i++) {
                    out.add(new Device(p.type(), i));
                }
            }
        }
        return out;
    }

    private static Backend create(Device device) {
        List<String> known = new ArrayList<>();
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
        boolean gpuType = device.type().equals("opencl") || device.type().equals("cuda");
        throw new BackendUnavailableException("no backend for device type '" + device.type() + "'; known types: "
                + known + (gpuType ? "; hint: put the jmae-gpu module on the class path" : ""));
    }
}
