package dev.jmae.gpu;

import dev.jmae.tensor.Backend;
import dev.jmae.tensor.BackendProvider;
import dev.jmae.tensor.BackendUnavailableException;
import dev.jmae.tensor.Device;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The {@code opencl} device type, discovered with {@link java.util.ServiceLoader}: every OpenCL
 * device of every platform, GPUs first (so {@code opencl:0} is a GPU when there is one), then the
 * others (CPU drivers such as PoCL), each group in platform and device order.
 *
 * <p>Probing happens once per JVM, on first use: it loads JOCL's native library (which needs the
 * system's {@code libOpenCL.so.1}) and lists platforms and devices. Backends are created once per
 * device index and shared by every provider instance.
 */
public final class OpenClProvider implements BackendProvider {

    private static final String HINT = "; hint: apt-get install pocl-opencl-icd for a CPU driver";
    /**
     * JOCL 2.0.5 opens the OpenCL loader by its unversioned name, libOpenCL.so, which Debian and
     * Ubuntu ship only in the -dev package (the runtime package has libOpenCL.so.1).
     */
    private static final String LOADER_HINT = "; JOCL 2.0.5 opens libOpenCL.so (the unversioned name); hint: apt-get"
            + " install ocl-icd-opencl-dev (provides libOpenCL.so) and pocl-opencl-icd for a CPU driver";

    /** The result of probing: the devices found, or why there are none. */
    private record Probe(List<cl_platform_id> platforms, List<cl_device_id> devices, String reason) {
    }

    private static final class Holder {
        static final Probe PROBE = probe();
    }

    private static final ConcurrentMap<Integer, OpenClBackend> BACKENDS = new ConcurrentHashMap<>();

    /** Creates the provider (instantiated by ServiceLoader; probing is deferred to first use). */
    public OpenClProvider() {
    }

    @Override
    public String type() {
        return "opencl";
    }

    @Override
    public String unavailableReason() {
        return Holder.PROBE.reason();
    }

    @Override
    public int deviceCount() {
        return Holder.PROBE.devices().size();
    }

    @Override
    public Backend create(int index) {
        Probe p = Holder.PROBE;
        if (p.reason() != null) {
            throw new BackendUnavailableException("device opencl:" + index + " is unavailable: " + p.reason());
        }
        if (index < 0 || index >= p.devices().size()) {
            throw new BackendUnavailableException("device opencl:" + index + " does not exist: opencl has "
                    + p.devices().size() + " device(s)");
        }
        return BACKENDS.computeIfAbsent(index, i -> {
            try {
                ClRuntime rt = ClRuntime.open(p.platforms().get(i), p.devices().get(i));
                return new OpenClBackend(new Device("opencl", i), rt, OpenClBackend.configuredVariant(rt));
            } catch (RuntimeException e) {
                throw new BackendUnavailableException("device opencl:" + i + " could not be opened: " + e.getMessage(), e);
            }
        });
    }

    private static Probe probe() {
        try {
            CL.setExceptionsEnabled(true);
        } catch (Throwable t) {
            String why = "the JOCL native library failed to load (" + t + ")";
            boolean loader = String.valueOf(t.getMessage()).contains("Implementation library could not be loaded");
            return new Probe(List.of(), List.of(), why + (loader ? LOADER_HINT : HINT));
        }
        cl_platform_id[] platforms;
        try {
            int[] count = new int[1];
            CL.clGetPlatformIDs(0, null, count);
            if (count[0] == 0) {
                return unavailable("no OpenCL platform found");
            }
            platforms = new cl_platform_id[count[0]];
            CL.clGetPlatformIDs(count[0], platforms, null);
        } catch (CLException e) {
            return unavailable("no OpenCL platform found (" + e.getMessage() + ")");
        } catch (Throwable t) {
            return unavailable("OpenCL could not be queried (" + t + ")");
        }
        List<cl_platform_id> gpuPlatforms = new ArrayList<>();
        List<cl_device_id> gpus = new ArrayList<>();
        List<cl_platform_id> otherPlatforms = new ArrayList<>();
        List<cl_device_id> others = new ArrayList<>();
        for (cl_platform_id platform : platforms) {
            try {
                int[] count = new int[1];
                CL.clGetDeviceIDs(platform, CL.CL_DEVICE_TYPE_ALL, 0, null, count);
                cl_device_id[] devices = new cl_device_id[count[0]];
                CL.clGetDeviceIDs(platform, CL.CL_DEVICE_TYPE_ALL, count[0], devices, null);
                for (cl_device_id d : devices) {
                    long[] type = new long[1];
                    CL.clGetDeviceInfo(d, CL.CL_DEVICE_TYPE, Sizeof.cl_long, Pointer.to(type), null);
                    boolean gpu = (type[0] & CL.CL_DEVICE_TYPE_GPU) != 0;
                    (gpu ? gpuPlatforms : otherPlatforms).add(platform);
                    (gpu ? gpus : others).add(d);
                }
            } catch (CLException e) {
                // a platform without devices (CL_DEVICE_NOT_FOUND): skip it
            }
        }
        gpuPlatforms.addAll(otherPlatforms);
        gpus.addAll(others);
        if (gpus.isEmpty()) {
            return unavailable("OpenCL platforms were found but none has a device");
        }
        return new Probe(List.copyOf(gpuPlatforms), List.copyOf(gpus), null);
    }

    private static Probe unavailable(String why) {
        return new Probe(List.of(), List.of(), why + HINT);
    }
}
