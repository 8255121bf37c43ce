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
}
