package dev.jmae.gpu;

import dev.jmae.tensor.Backend;
import dev.jmae.tensor.BackendProvider;
import dev.jmae.tensor.BackendUnavailableException;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Settings;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 *
 * <p>Signal chaining. Loading an OpenCL driver built on LLVM (PoCL, and others) replaces the JVM's
 * handlers for SIGSEGV, SIGBUS, SIGILL and SIGFPE with the driver's; listing the platforms is
 * enough. The JVM takes SIGSEGV for its safepoint polls, so such a process dies at a random
 * safepoint, without an error report (seen in JMH forks: {@code segfault at ...} on a safepoint
 * poll of a CPU kernel, in forks whose set-up had only probed PoCL). The JVM's remedy is signal
 * chaining: {@code libjsig.so} preloaded keeps the JVM's handlers first and passes on the signals
 * that are not the JVM's. On Linux this provider therefore loads no driver unless
 * {@code libjsig.so} is mapped into the process ({@code bin/jmae} and the test build preload it);
 * otherwise it reports the device type unavailable and says how to start the JVM. Setting the
 * system property {@value #CHAINING_PROPERTY} to {@code false} loads the driver anyway.
 */
public final class OpenClProvider implements BackendProvider, DeviceInfoProvider {

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

    /** System property: {@code false} loads the OpenCL driver even without signal chaining. */
    public static final String CHAINING_PROPERTY = Settings.OPENCL_REQUIRE_SIGNAL_CHAINING;

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
                throw new BackendUnavailableException("device opencl:" + i + " could not be opened: " + e.getMessage(),
                        e);
            }
        });
    }

    /**
     * The probed devices as {@code jmae devices} lists them (name, OpenCL version, memory, platform
     * and driver versions); empty when OpenCL is unavailable.
     */
    @Override
    public List<DeviceInfo> deviceInfo() {
        Probe p = Holder.PROBE;
        return ClDeviceInfo.describe(p.platforms(), p.devices());
    }

    private static Probe probe() {
        String chaining = signalChainingProblem(mappedFiles(), System.getProperty("java.home"),
                Settings.openclRequireSignalChaining());
        if (chaining != null) {
            return new Probe(List.of(), List.of(), chaining);
        }
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

    /**
     * Why no OpenCL driver may be loaded into this process, or null when it may: on Linux (where
     * {@code maps} is known) a driver may be loaded only when {@code libjsig.so} is mapped, so that
     * the driver's signal handlers cannot replace the JVM's (see the class comment).
     *
     * @param maps the lines of {@code /proc/self/maps}, or null where there is no such file (not
     *     Linux): then nothing is checked
     * @param javaHome the running JDK's home, named in the hint
     * @param required false to allow loading without signal chaining ({@value #CHAINING_PROPERTY})
     * @return the reason, naming what to do, or null
     */
    static String signalChainingProblem(List<String> maps, String javaHome, boolean required) {
        if (!required || maps == null) {
            return null;
        }
        for (String line : maps) {
            if (line.endsWith("/libjsig.so")) {
                return null;
            }
        }
        return "OpenCL drivers built on LLVM (PoCL among them) replace the JVM's SIGSEGV handler when they"
                + " load, after which the JVM crashes at a random safepoint, so no driver is loaded without"
                + " signal chaining; start java with LD_PRELOAD=" + javaHome + "/lib/libjsig.so (bin/jmae and"
                + " bin/test do), or set -D" + CHAINING_PROPERTY + "=false to load the driver anyway";
    }

    /** The lines of /proc/self/maps, or null where it cannot be read (not Linux). */
    private static List<String> mappedFiles() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return null;
        }
        try {
            return Files.readAllLines(maps);
        } catch (IOException e) {
            return null;
        }
    }

    private static Probe unavailable(String why) {
        return new Probe(List.of(), List.of(), why + HINT);
    }
}
