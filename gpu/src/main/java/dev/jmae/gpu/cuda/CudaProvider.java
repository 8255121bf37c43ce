package dev.jmae.gpu.cuda;

import dev.jmae.gpu.DeviceInfo;
import dev.jmae.gpu.DeviceInfoProvider;
import dev.jmae.gpu.KernelSource;
import dev.jmae.tensor.Backend;
import dev.jmae.tensor.BackendProvider;
import dev.jmae.tensor.BackendUnavailableException;
import dev.jmae.tensor.Device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.IntFunction;

/**
 * The {@code cuda} device type, discovered with {@link java.util.ServiceLoader}: every device the
 * NVIDIA driver reports, in the driver's order ({@code cuda:0}, {@code cuda:1}, ...).
 *
 * <p>Probing happens once per JVM, on first use, and loads nothing but libraries: the driver
 * ({@code libcuda.so.1}; {@code cuInit}, version, device count), NVRTC and cuBLASLt. Each missing
 * piece gives a reason that says what to install:
 * <ul>
 *   <li>no {@code libcuda.so.1}: "no NVIDIA driver";</li>
 *   <li>{@code cuInit} returns {@code CUDA_ERROR_STUB_LIBRARY}: the library found is the CUDA
 *       toolkit's stub ({@code lib64/stubs}), not a driver;</li>
 *   <li>{@code CUDA_ERROR_NO_DEVICE} or a device count of 0: no CUDA device;</li>
 *   <li>a driver older than CUDA 12.0;</li>
 *   <li>no NVRTC ({@code libnvrtc.so.13}/{@code .12}): install the CUDA toolkit's NVRTC (without
 *       it no kernel can be compiled, so the type is unavailable).</li>
 * </ul>
 * A missing cuBLASLt does not make the type unavailable: matrix products then use the SIMT kernel,
 * and {@link #deviceInfo()} says so.
 *
 * <p>Backends are created once per device index and shared by every provider instance.
 */
public final class CudaProvider implements BackendProvider, DeviceInfoProvider {

    /**
     * What probing found.
     *
     * @param driver the driver, or null
     * @param driverVersion cuDriverGetVersion, or 0
     * @param deviceCount devices, 0 when unavailable
     * @param nvrtc NVRTC, or null
     * @param nvrtcMissing why NVRTC is missing, or null
     * @param cublasLt cuBLASLt, or null
     * @param cublasLtMissing why cuBLASLt is missing, or null
     * @param reason why the type is unavailable, or null
     */
    record Probe(CudaDriver driver, int driverVersion, int deviceCount, Nvrtc nvrtc, String nvrtcMissing,
                 CublasLt cublasLt, String cublasLtMissing, String reason) {
    }

    private static final class Holder {
        static final Probe PROBE = probe(CudaDriver.CANDIDATES, Nvrtc::candidates, CublasLt::candidates);
    }

    private static final ConcurrentMap<Integer, CudaBackend> BACKENDS = new ConcurrentHashMap<>();

    /**
     * The kernel programs: a {@link KernelSource} file (shared or CUDA-only) assembled for CUDA (the
     * CUDA prelude, common.h, the source), compiled with {@link CudaLaunchLimits#NVRTC_OPTIONS}.
     */
    static final CudaContext.KernelSources SOURCES = program -> {
        try {
            return KernelSource.assemble(KernelSource.Target.CUDA, program);
        } catch (IllegalArgumentException e) {
            throw new UnsupportedOperationException(e.getMessage(), e);
        }
    };

    /** Creates the provider (instantiated by ServiceLoader; probing is deferred to first use). */
    public CudaProvider() {
    }

    @Override
    public String type() {
        return "cuda";
    }

    @Override
    public String unavailableReason() {
        return Holder.PROBE.reason();
    }

    @Override
    public int deviceCount() {
        return Holder.PROBE.deviceCount();
    }

    @Override
    public Backend create(int index) {
        Probe p = Holder.PROBE;
        if (p.reason() != null) {
            throw new BackendUnavailableException("device cuda:" + index + " is unavailable: " + p.reason());
        }
        if (index < 0 || index >= p.deviceCount()) {
            throw new BackendUnavailableException("device cuda:" + index + " does not exist: cuda has "
                    + p.deviceCount() + " device(s)");
        }
        return BACKENDS.computeIfAbsent(index, i -> open(p, i, SOURCES));
    }

    /**
     * Opens a backend on a probed driver.
     *
     * @param p an available probe
     * @param index the device
     * @param sources the kernel sources
     * @return the backend
     * @throws BackendUnavailableException if the device cannot be opened
     */
    static CudaBackend open(Probe p, int index, CudaContext.KernelSources sources) {
        return open(p, index, sources, JitCache.defaultDirectory());
    }

    /**
     * Opens a backend on a probed driver with a given kernel cache folder.
     *
     * @param p an available probe
     * @param index the device
     * @param sources the kernel sources
     * @param cacheDirectory the JIT cache folder
     * @return the backend
     * @throws BackendUnavailableException if the device cannot be opened
     */
    static CudaBackend open(Probe p, int index, CudaContext.KernelSources sources, Path cacheDirectory) {
        try {
            JitCache jit = p.nvrtc() == null ? null : new JitCache(cacheDirectory, p.nvrtc());
            int[] archs = p.nvrtc() == null ? null : p.nvrtc().supportedArchs();
            CudaContext ctx = CudaContext.open(p.driver(), index, jit, archs, sources,
                    PinnedStaging.DEFAULT_CHUNK_BYTES);
            return new CudaBackend(new Device("cuda", index), ctx, p.cublasLt(), p.cublasLtMissing());
        } catch (RuntimeException e) {
            throw new BackendUnavailableException("device cuda:" + index + " could not be opened: " + e.getMessage(),
                    e);
        }
    }

    // ------------------------------------------------------------------ probing

    /**
     * Probes the libraries (not cached; {@link #unavailableReason()} uses one cached probe).
     *
     * @param driverCandidates where to look for {@code libcuda.so.1}
     * @param nvrtcCandidates NVRTC candidates for a driver's CUDA major version
     * @param cublasLtCandidates cuBLASLt candidates for a driver's CUDA major version
     * @return the probe
     */
    static Probe probe(List<String> driverCandidates, IntFunction<List<String>> nvrtcCandidates,
                       IntFunction<List<String>> cublasLtCandidates) {
        NativeLibrary.Opened lib = NativeLibrary.open(driverCandidates);
        if (!lib.found()) {
            return unavailable(noDriver(lib.triedList()));
        }
        CudaDriver driver;
        int version;
        int count;
        try {
            driver = new CudaDriver(lib.library());
            int rc = driver.init();
            if (rc != DriverAbi.CUDA_SUCCESS) {
                return unavailable(initFailed(rc, driver.errorName(rc), driver.errorString(rc),
                        lib.library().loadedFrom()));
            }
            version = driver.driverVersion();
            if (version < DriverAbi.MIN_DRIVER_VERSION) {
                return unavailable(driverTooOld(version));
            }
            count = driver.deviceCount();
        } catch (RuntimeException | LinkageError e) {
            return unavailable("the NVIDIA driver " + lib.library().loadedFrom() + " could not be queried (" + e
                    + "); hint: reinstall the NVIDIA driver");
        }
        if (count == 0) {
            return unavailable("the NVIDIA driver reports no CUDA device; hint: check nvidia-smi and"
                    + " CUDA_VISIBLE_DEVICES");
        }
        int major = version / 1000;
        Nvrtc nvrtc = null;
        String nvrtcMissing = null;
        NativeLibrary.Opened n = Nvrtc.open(nvrtcCandidates.apply(major));
        if (n.found()) {
            nvrtc = new Nvrtc(n.library());
        } else {
            nvrtcMissing = nvrtcMissing(n.triedList(), major);
        }
        CublasLt lt = null;
        String ltMissing = null;
        NativeLibrary.Opened c = NativeLibrary.open(cublasLtCandidates.apply(major));
        if (c.found()) {
            lt = new CublasLt(c.library());
        } else {
            ltMissing = "cuBLASLt was not found (tried " + c.triedList() + "); matrix products use the SIMT kernel;"
                    + " hint: install the CUDA toolkit's cuBLAS (libcublasLt.so." + major + ")";
        }
        return new Probe(driver, version, count, nvrtc, nvrtcMissing, lt, ltMissing, nvrtcMissing);
    }

    private static Probe unavailable(String reason) {
        return new Probe(null, 0, 0, null, null, null, null, reason);
    }

    /**
     * The reason when {@code libcuda.so.1} cannot be opened.
     *
     * @param tried the candidates tried
     * @return the reason
     */
    static String noDriver(String tried) {
        return "no NVIDIA driver: libcuda.so.1 was not found (tried " + tried + "); hint: install the NVIDIA driver"
                + " (it provides libcuda.so.1); without an NVIDIA GPU use the cpu or opencl device";
    }

    /**
     * The reason when {@code cuInit} fails.
     *
     * @param status the CUresult
     * @param name its name
     * @param description the driver's description, or null
     * @param library the file that was loaded
     * @return the reason
     */
    static String initFailed(int status, String name, String description, String library) {
        String what = "cuInit: " + name + " (" + status + ")" + (description == null ? "" : ", " + description);
        return switch (status) {
            case DriverAbi.CUDA_ERROR_STUB_LIBRARY -> "the libcuda.so.1 found (" + library + ") is the CUDA toolkit's"
                    + " stub library, not an NVIDIA driver (" + what
                    + "); hint: install the NVIDIA driver, and keep the"
                    + " toolkit's lib64/stubs folder off LD_LIBRARY_PATH";
            case DriverAbi.CUDA_ERROR_NO_DEVICE -> "the NVIDIA driver found no CUDA device (" + what + "); hint: check"
                    + " nvidia-smi and CUDA_VISIBLE_DEVICES";
            case DriverAbi.CUDA_ERROR_SYSTEM_DRIVER_MISMATCH, DriverAbi.CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE ->
                "the NVIDIA driver library does not match the kernel module (" + what + "); hint: reboot after a"
                        + " driver update, or reinstall the driver";
            default -> "the NVIDIA driver failed to initialize (" + what + ")";
        };
    }

    /**
     * The reason when the driver is older than the bindings need.
     *
     * @param version cuDriverGetVersion
     * @return the reason
     */
    static String driverTooOld(int version) {
        return "the NVIDIA driver supports CUDA " + version / 1000 + "." + version % 1000 / 10 + ", jmae needs CUDA "
                + DriverAbi.MIN_DRIVER_VERSION / 1000 + ".0 or newer; hint: update the NVIDIA driver";
    }

    /**
     * The reason when NVRTC cannot be opened.
     *
     * @param tried the candidates tried
     * @param major the driver's CUDA major version
     * @return the reason
     */
    static String nvrtcMissing(String tried, int major) {
        return "NVRTC, the CUDA runtime compiler that builds jmae's kernels, was not found (tried " + tried + ");"
                + " hint: install the CUDA toolkit's NVRTC (libnvrtc.so." + major + ", e.g. apt-get install"
                + " cuda-nvrtc-" + major + "-0, or pip install nvidia-cuda-nvrtc and add its lib folder to"
                + " LD_LIBRARY_PATH)";
    }

    // ------------------------------------------------------------------ jmae devices

    @Override
    public List<DeviceInfo> deviceInfo() {
        return describe(Holder.PROBE);
    }

    /**
     * Describes the devices of a probe, reading only what the driver reports (no context).
     *
     * @param p the probe
     * @return one entry per device; empty when unavailable
     */
    static List<DeviceInfo> describe(Probe p) {
        if (p.reason() != null && p.driver() == null) {
            return List.of();
        }
        List<DeviceInfo> out = new ArrayList<>();
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("CUDA driver API", p.driverVersion() / 1000 + "." + p.driverVersion() % 1000 / 10);
        String module = kernelModuleVersion();
        if (module != null) {
            versions.put("NVIDIA kernel module", module);
        }
        versions.put("NVRTC",
                p.nvrtc() != null ? nvrtcVersion(p.nvrtc()) + " (" + p.nvrtc().library().loadedFrom() + ")"
                        : "missing: " + p.nvrtcMissing());
        versions.put("cuBLASLt", p.cublasLt() != null ? cublasVersion(p.cublasLt()) + " ("
                + p.cublasLt().library().loadedFrom() + ")" : "missing: " + p.cublasLtMissing());
        for (int i = 0; i < p.deviceCount(); i++) {
            CudaDeviceProperties d = CudaDeviceProperties.read(p.driver(), p.driver().device(i));
            Map<String, String> props = new LinkedHashMap<>();
            props.put("multiprocessors", Integer.toString(d.multiprocessors()));
            props.put("L2 cache", d.l2CacheBytes() / 1024 + " KiB");
            props.put("shared memory per block (opt-in)", d.sharedMemoryPerBlockOptinBytes() / 1024 + " KiB");
            props.put("PCI bus", Integer.toString(d.pciBusId()));
            props.put("UUID", d.uuid());
            out.add(new DeviceInfo(new Device("cuda", i), d.name(), "compute capability " + d.major() + "." + d.minor(),
                    d.totalMemoryBytes(), versions, props));
        }
        return out;
    }

    private static String nvrtcVersion(Nvrtc nvrtc) {
        try {
            int[] v = nvrtc.versionNumbers();
            return v[0] + "." + v[1];
        } catch (RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static String cublasVersion(CublasLt lt) {
        try {
            long v = lt.version();
            return v / 10000 + "." + v % 10000 / 100 + "." + v % 100;
        } catch (RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** The version in /proc/driver/nvidia/version ("NVRM version: ... Kernel Module 580.159.04 ..."), or null. */
    private static String kernelModuleVersion() {
        Path f = Path.of("/proc/driver/nvidia/version");
        try {
            if (!Files.isReadable(f)) {
                return null;
            }
            String first = Files.readAllLines(f).stream().findFirst().orElse("");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b(\\d+\\.\\d+(\\.\\d+)?)\\b").matcher(
                    first.replaceFirst("^.*Kernel Module", ""));
            return m.find() ? m.group(1) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
