package dev.jmae.tensor;

/**
 * Every JVM system property jmae reads, in one place. Settings a user chooses per run (device,
 * batch size, learning rate, matmul precision...) are config fields or CLI options, never system
 * properties; what is here switches debugging aids, test-only behaviour and launcher plumbing.
 *
 * <p>Each property is read when asked (so a test may set it before first use), and documented in
 * {@code docs/architecture.md} ("System properties").
 *
 * <table>
 *   <caption>Properties</caption>
 *   <tr><th>property</th><th>default</th><th>what it does</th></tr>
 *   <tr><td>{@value #FORCE_REFERENCE}</td><td>false</td><td>{@code cpu} tensors run on the
 *       reference kernels (re-check any result against the executable spec)</td></tr>
 *   <tr><td>{@value #HEAP_CACHE}</td><td>true</td><td>released heap arrays are reused
 *       ({@code HeapArrayPool}); false gives every storage a fresh array</td></tr>
 *   <tr><td>{@value #FILL_UNINITIALIZED_MEMORY}</td><td>false</td><td>every heap array handed out is
 *       filled with NaN (PyTorch's {@code fill_uninitialized_memory}); the test suite sets it</td></tr>
 *   <tr><td>{@value #HOME}</td><td>{@code .}</td><td>the jmae checkout, where the committed dataset
 *       subset and presets are found; set by {@code bin/jmae}</td></tr>
 *   <tr><td>{@value #PROGRESS_WIDTH}</td><td>-1 (measure the terminal)</td><td>progress-bar width
 *       where stderr is not a terminal; {@code bin/jmae} sets 120</td></tr>
 *   <tr><td>{@value #OPENCL_VARIANT}</td><td>the device type's</td><td>{@code gpu} or {@code cpu}:
 *       which OpenCL kernel variant to build (tests run the GPU variant on PoCL)</td></tr>
 *   <tr><td>{@value #OPENCL_REQUIRE_SIGNAL_CHAINING}</td><td>true</td><td>false loads an OpenCL
 *       driver even without the JDK's {@code libjsig.so} preloaded (unsafe; see the gpu module)</td></tr>
 *   <tr><td>{@value #TEST_DEVICE}</td><td>unset</td><td>tests only: the device the device tests run
 *       on (the gpu parity suites, the golden fixtures, the tiny training runs), e.g. {@code cuda:0};
 *       unset, they use {@code opencl:0} (and the golden tests cpu and reference too); set by
 *       tools/device-check</td></tr>
 *   <tr><td>{@value #GEMM_TUNING}</td><td>{@code auto}</td><td>the {@code cpu} GEMM's tuning
 *       ({@code dev.jmae.tensor.cpu.GemmTuning}): {@code auto} uses the choice cached for this machine
 *       or searches for one at first use; {@code default} pins the built-in tuning; a spec string
 *       ({@code GemmTuning.spec()}) pins that one. When the property is unset the environment
 *       variable {@value #GEMM_TUNING_ENV} is read instead, so child JVMs of a test inherit it; the
 *       test suite sets both to {@code default}</td></tr>
 *   <tr><td>{@value #GEMM_SEARCH}</td><td>true</td><td>false: {@code auto} never searches; it uses
 *       the cached choice, or the built-in tuning when none is cached</td></tr>
 *   <tr><td>{@value #GEMM_SEARCH_BUDGET}</td><td>3</td><td>seconds the first-use search may
 *       take</td></tr>
 *   <tr><td>{@value #CACHE_DIR}</td><td>{@code $XDG_CACHE_HOME/jmae}, else {@code ~/.cache/jmae}</td>
 *       <td>where jmae caches per-machine choices (the GEMM tuning)</td></tr>
 * </table>
 */
public final class Settings {

    /** Property name: run {@code cpu} tensors on the reference kernels. */
    public static final String FORCE_REFERENCE = "jmae.forceReference";
    /** Property name: reuse released heap arrays. */
    public static final String HEAP_CACHE = "jmae.heapCache";
    /** Property name: fill every heap array handed out with NaN. */
    public static final String FILL_UNINITIALIZED_MEMORY = "jmae.fillUninitializedMemory";
    /** Property name: the jmae checkout directory. */
    public static final String HOME = "jmae.home";
    /** Property name: progress-bar width where there is no terminal. */
    public static final String PROGRESS_WIDTH = "jmae.progress.width";
    /** Property name: the OpenCL kernel variant ({@code gpu} or {@code cpu}). */
    public static final String OPENCL_VARIANT = "jmae.opencl.variant";
    /** Property name: refuse to load an OpenCL driver without signal chaining. */
    public static final String OPENCL_REQUIRE_SIGNAL_CHAINING = "jmae.opencl.requireSignalChaining";
    /** Property name: the device the device tests run on (tests only). */
    public static final String TEST_DEVICE = "jmae.test.device";
    /** Property name: the {@code cpu} GEMM's tuning ({@code auto}, {@code default} or a spec string). */
    public static final String GEMM_TUNING = "jmae.gemm.tuning";
    /** Environment variable read for {@value #GEMM_TUNING} when the property is unset. */
    public static final String GEMM_TUNING_ENV = "JMAE_GEMM_TUNING";
    /** Property name: whether {@code auto} may run the GEMM tuning search. */
    public static final String GEMM_SEARCH = "jmae.gemm.search";
    /** Property name: seconds the first-use GEMM tuning search may take. */
    public static final String GEMM_SEARCH_BUDGET = "jmae.gemm.searchBudget";
    /** Property name: jmae's per-user cache directory. */
    public static final String CACHE_DIR = "jmae.cacheDir";

    private Settings() {
    }

    /** @return whether {@code cpu} tensors start out on the reference kernels ({@value #FORCE_REFERENCE}) */
    public static boolean forceReference() {
        return Boolean.getBoolean(FORCE_REFERENCE);
    }

    /** @return whether released heap arrays are cached for reuse ({@value #HEAP_CACHE}, default true) */
    public static boolean heapCache() {
        return Boolean.parseBoolean(System.getProperty(HEAP_CACHE, "true"));
    }

    /** @return whether heap arrays are NaN-filled when handed out ({@value #FILL_UNINITIALIZED_MEMORY}) */
    public static boolean fillUninitializedMemory() {
        return Boolean.getBoolean(FILL_UNINITIALIZED_MEMORY);
    }

    /** @return the jmae checkout directory ({@value #HOME}, default the working directory) */
    public static String home() {
        return System.getProperty(HOME, ".");
    }

    /** @return the progress-bar width, or -1 to measure the terminal ({@value #PROGRESS_WIDTH}) */
    public static int progressWidth() {
        return Integer.getInteger(PROGRESS_WIDTH, -1);
    }

    /** @return the forced OpenCL kernel variant name, or null for the device type's ({@value #OPENCL_VARIANT}) */
    public static String openclVariant() {
        String v = System.getProperty(OPENCL_VARIANT);
        return v == null || v.isBlank() ? null : v;
    }

    /**
     * @return whether an OpenCL driver may load only with signal chaining
     *     ({@value #OPENCL_REQUIRE_SIGNAL_CHAINING}, default true)
     */
    public static boolean openclRequireSignalChaining() {
        return !"false".equalsIgnoreCase(System.getProperty(OPENCL_REQUIRE_SIGNAL_CHAINING));
    }

    /** @return the device under test named by {@value #TEST_DEVICE} (e.g. {@code cuda:0}), or null when unset */
    public static String testDevice() {
        String v = System.getProperty(TEST_DEVICE);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /**
     * @return the GEMM tuning requested by {@value #GEMM_TUNING} (or, when the property is unset, the
     *     environment variable {@value #GEMM_TUNING_ENV}), trimmed; {@code auto} when neither is set
     */
    public static String gemmTuning() {
        String v = System.getProperty(GEMM_TUNING);
        if (v == null || v.isBlank()) {
            v = System.getenv(GEMM_TUNING_ENV);
        }
        return v == null || v.isBlank() ? "auto" : v.trim();
    }

    /** @return whether the {@code auto} GEMM tuning may search ({@value #GEMM_SEARCH}, default true) */
    public static boolean gemmSearch() {
        return !"false".equalsIgnoreCase(System.getProperty(GEMM_SEARCH));
    }

    /**
     * @return seconds the first-use GEMM search may take ({@value #GEMM_SEARCH_BUDGET}, default 3)
     * @throws IllegalArgumentException if the property is not a positive number
     */
    public static double gemmSearchBudget() {
        String v = System.getProperty(GEMM_SEARCH_BUDGET);
        if (v == null || v.isBlank()) {
            return 3.0;
        }
        try {
            double s = Double.parseDouble(v.trim());
            if (s > 0 && Double.isFinite(s)) {
                return s;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                GEMM_SEARCH_BUDGET + " must be a positive number of seconds, given '" + v + "'");
    }

    /**
     * @return jmae's per-user cache directory: {@value #CACHE_DIR} if set, else
     *     {@code $XDG_CACHE_HOME/jmae} if that variable is set, else {@code ~/.cache/jmae}
     */
    public static java.nio.file.Path cacheDir() {
        String v = System.getProperty(CACHE_DIR);
        if (v != null && !v.isBlank()) {
            return java.nio.file.Path.of(v.trim());
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return java.nio.file.Path.of(xdg.trim(), "jmae");
        }
        return java.nio.file.Path.of(System.getProperty("user.home"), ".cache", "jmae");
    }
}
