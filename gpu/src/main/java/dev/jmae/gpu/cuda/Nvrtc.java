package dev.jmae.gpu.cuda;

import dev.jmae.gpu.cuda.NativeLibrary.Binding;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * NVRTC, CUDA's runtime compiler ({@code libnvrtc.so}), through the Foreign Function &amp; Memory
 * API: compiles CUDA C++ source to CUBIN (machine code for one architecture) or PTX (which the
 * driver compiles at load). Prototypes and status values are in {@link DocumentedAbi} (written
 * from NVIDIA's documentation; first exercised by the device check).
 *
 * <p>Options jmae always passes ({@link #baseOptions}, which is {@link CudaLaunchLimits#NVRTC_OPTIONS},
 * the list the compile test gives nvcc too): {@code --std=c++17}, FMA contraction on, and the
 * IEEE-accurate defaults spelled out ({@code --ftz=false --prec-div=true --prec-sqrt=true}; never
 * {@code --use_fast_math}), plus {@code --gpu-architecture} from the device ({@link #architecture}).
 * No {@code -default-device}: every function of the kernel sources is qualified ({@code DEVICE}),
 * which nvcc, having no such option, checks. The options are part of the JIT cache key.
 */
// binding native code is this class's purpose: its restricted FFM calls (library lookup, downcalls,
// reinterpret) are allowed by --enable-native-access in jmae's JVM flags
@SuppressWarnings("restricted")
final class Nvrtc implements JitCache.Compiler {

    /**
     * Sonames to try, newest first; a driver of CUDA major version M is paired first with an
     * NVRTC of the same major (a CUBIN from a newer major's NVRTC may not load on an older driver).
     *
     * @param driverMajor the driver's CUDA major version (13 for 13000)
     * @return sonames, then the same names in the toolkit folders
     */
    static List<String> candidates(int driverMajor) {
        List<String> names = new ArrayList<>();
        if (driverMajor >= 13) {
            names.add("libnvrtc.so.13");
        }
        names.add("libnvrtc.so.12");
        if (driverMajor < 13) {
            names.add("libnvrtc.so.13");
        }
        names.add("libnvrtc.so");
        return CudaToolkit.libraryCandidates(names);
    }

    /**
     * Opens NVRTC from the candidates, then loads its builtins library ({@code
     * libnvrtc-builtins.so.M.m}) from the same folder: NVRTC opens it by soname at its first
     * compilation, and an NVRTC found outside the loader's path (a toolkit folder, a pip wheel,
     * which carries no RPATH) would otherwise fail there with NVRTC_ERROR_BUILTIN_OPERATION_FAILURE.
     * A library already loaded under that soname is what the loader returns.
     *
     * @param candidates sonames or paths ({@link #candidates(int)})
     * @return the outcome of opening NVRTC
     */
    static NativeLibrary.Opened open(List<String> candidates) {
        NativeLibrary.Opened opened = NativeLibrary.open(candidates);
        if (opened.found()) {
            java.nio.file.Path dir = java.nio.file.Path.of(opened.library().loadedFrom()).toAbsolutePath().getParent();
            if (dir != null && java.nio.file.Files.isDirectory(dir)) {
                try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(dir)) {
                    List<String> builtins = files.map(f -> f.getFileName().toString())
                            .filter(n -> n.startsWith("libnvrtc-builtins.so.") && !n.contains(".alt."))
                            .sorted().map(n -> dir.resolve(n).toString()).toList();
                    if (!builtins.isEmpty()) {
                        NativeLibrary.open(List.of(builtins.getLast()));
                    }
                } catch (java.io.IOException e) {
                    // the builtins are then looked up by NVRTC itself, through the loader's path
                }
            }
        }
        return opened;
    }

    private final NativeLibrary library;
    private final Binding getErrorString;
    private final Binding version;
    private final Binding getNumSupportedArchs;
    private final Binding getSupportedArchs;
    private final Binding createProgram;
    private final Binding destroyProgram;
    private final Binding compileProgram;
    private final Binding getProgramLogSize;
    private final Binding getProgramLog;
    private final Binding getCubinSize;
    private final Binding getCubin;
    private final Binding getPtxSize;
    private final Binding getPtx;

    /**
     * Binds NVRTC's functions (each resolved on first use).
     *
     * @param library the opened {@code libnvrtc.so.N}
     */
    Nvrtc(NativeLibrary library) {
        this.library = library;
        List<Binding> b = new ArrayList<>();
        for (String p : DocumentedAbi.NVRTC_PROTOTYPES) {
            b.add(library.bind(p));
        }
        getErrorString = find(b, "nvrtcGetErrorString");
        version = find(b, "nvrtcVersion");
        getNumSupportedArchs = find(b, "nvrtcGetNumSupportedArchs");
        getSupportedArchs = find(b, "nvrtcGetSupportedArchs");
        createProgram = find(b, "nvrtcCreateProgram");
        destroyProgram = find(b, "nvrtcDestroyProgram");
        compileProgram = find(b, "nvrtcCompileProgram");
        getProgramLogSize = find(b, "nvrtcGetProgramLogSize");
        getProgramLog = find(b, "nvrtcGetProgramLog");
        getCubinSize = find(b, "nvrtcGetCUBINSize");
        getCubin = find(b, "nvrtcGetCUBIN");
        getPtxSize = find(b, "nvrtcGetPTXSize");
        getPtx = find(b, "nvrtcGetPTX");
    }

    static Binding find(List<Binding> bindings, String name) {
        for (Binding b : bindings) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        throw new IllegalStateException("no prototype for " + name);
    }

    /** @return the library these calls go to */
    NativeLibrary library() {
        return library;
    }

    private String errorString(int status) {
        try {
            MemorySegment p = (MemorySegment) getErrorString.handle().invokeExact(status);
            return p.equals(MemorySegment.NULL) ? "nvrtcResult " + status : p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "nvrtcResult " + status;
        }
    }

    private void check(String call, int status, String detail) {
        if (status != DocumentedAbi.NVRTC_SUCCESS) {
            throw new CudaException(call, status, errorString(status), detail, null);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /**
     * NVRTC's version ({@code nvrtcVersion}).
     *
     * @return {major, minor}
     */
    int[] versionNumbers() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment major = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment minor = arena.allocate(ValueLayout.JAVA_INT);
            check("nvrtcVersion", (int) version.handle().invokeExact(major, minor), null);
            return new int[] {major.get(ValueLayout.JAVA_INT, 0), minor.get(ValueLayout.JAVA_INT, 0)};
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public String version() {
        int[] v = versionNumbers();
        return "nvrtc " + v[0] + "." + v[1];
    }

    /**
     * The architectures this NVRTC can emit machine code for ({@code nvrtcGetSupportedArchs}).
     *
     * @return compute capabilities as 10·major + minor, ascending (e.g. 75, 80, ..., 90, 100, 120)
     */
    int[] supportedArchs() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = arena.allocate(ValueLayout.JAVA_INT);
            check("nvrtcGetNumSupportedArchs", (int) getNumSupportedArchs.handle().invokeExact(n), null);
            int count = n.get(ValueLayout.JAVA_INT, 0);
            MemorySegment archs = arena.allocate(ValueLayout.JAVA_INT, Math.max(1, count));
            check("nvrtcGetSupportedArchs", (int) getSupportedArchs.handle().invokeExact(archs), null);
            int[] out = archs.asSlice(0, 4L * count).toArray(ValueLayout.JAVA_INT);
            Arrays.sort(out);
            return out;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The {@code --gpu-architecture} option for a device: machine code ({@code sm_XY}, CUBIN) when
     * NVRTC supports the device's compute capability; otherwise PTX for the newest virtual
     * architecture below it ({@code compute_XY}), which the driver compiles for the device at load.
     *
     * @param computeCapability the device's, as 10·major + minor (90 for 9.0)
     * @param supported {@link #supportedArchs()}
     * @return the option, e.g. {@code --gpu-architecture=sm_90}
     * @throws IllegalStateException if the device is older than every architecture NVRTC supports
     */
    static String architecture(int computeCapability, int[] supported) {
        int best = -1;
        for (int a : supported) {
            if (a == computeCapability) {
                return "--gpu-architecture=sm_" + a;
            }
            if (a < computeCapability) {
                best = Math.max(best, a);
            }
        }
        if (best < 0) {
            throw new IllegalStateException("the GPU's compute capability " + computeCapability / 10 + "."
                    + computeCapability % 10 + " is older than every architecture this NVRTC supports "
                    + Arrays.toString(supported) + "; hint: use an NVRTC from an older CUDA toolkit");
        }
        return "--gpu-architecture=compute_" + best;
    }

    /**
     * The options every jmae kernel is compiled with, besides the architecture.
     *
     * @return the options
     */
    static List<String> baseOptions() {
        return CudaLaunchLimits.NVRTC_OPTIONS;
    }

    /**
     * Compiles one translation unit. The output kind follows the architecture option: CUBIN for
     * {@code sm_XY}, NUL-terminated PTX for {@code compute_XY}.
     *
     * @param source the CUDA C++ source
     * @param name the program name, shown in the compiler's messages
     * @param options compiler options, one per element
     * @return the image for {@code cuModuleLoadData}
     * @throws CudaException naming the program and options, with the compiler's log, if it fails
     */
    @Override
    public byte[] compile(String source, String name, List<String> options) {
        boolean cubin = options.stream().anyMatch(o -> o.startsWith("--gpu-architecture=sm_"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment prog = arena.allocate(ValueLayout.ADDRESS);
            check("nvrtcCreateProgram(" + name + ")", (int) createProgram.handle().invokeExact(prog,
                    arena.allocateFrom(source), arena.allocateFrom(name), 0, MemorySegment.NULL, MemorySegment.NULL),
                    null);
            MemorySegment program = prog.get(ValueLayout.ADDRESS, 0);
            try {
                MemorySegment opts = arena.allocate(ValueLayout.ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) {
                    opts.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(options.get(i)));
                }
                int rc = (int) compileProgram.handle().invokeExact(program, options.size(), opts);
                String log = log(arena, program);
                check("nvrtcCompileProgram(" + name + ", " + String.join(" ", options) + ")", rc, log);
                MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
                if (cubin) {
                    check("nvrtcGetCUBINSize", (int) getCubinSize.handle().invokeExact(program, size), null);
                } else {
                    check("nvrtcGetPTXSize", (int) getPtxSize.handle().invokeExact(program, size), null);
                }
                MemorySegment image = arena.allocate(size.get(ValueLayout.JAVA_LONG, 0));
                if (cubin) {
                    check("nvrtcGetCUBIN", (int) getCubin.handle().invokeExact(program, image), null);
                } else {
                    check("nvrtcGetPTX", (int) getPtx.handle().invokeExact(program, image), null);
                }
                return image.toArray(ValueLayout.JAVA_BYTE);
            } finally {
                int ignored = (int) destroyProgram.handle().invokeExact(prog);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private String log(Arena arena, MemorySegment program) throws Throwable {
        MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
        if ((int) getProgramLogSize.handle().invokeExact(program, size) != DocumentedAbi.NVRTC_SUCCESS) {
            return "";
        }
        long n = size.get(ValueLayout.JAVA_LONG, 0);
        if (n <= 1) {
            return "";
        }
        MemorySegment log = arena.allocate(n);
        if ((int) getProgramLog.handle().invokeExact(program, log) != DocumentedAbi.NVRTC_SUCCESS) {
            return "";
        }
        return log.getString(0).trim();
    }
}
