package dev.jmae.gpu.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A shared library opened through the Foreign Function &amp; Memory API, and the downcall handles
 * of its functions, each looked up on first use (so a symbol missing from an older library fails
 * only the call that needs it, with its name).
 *
 * <p>Opening tries candidate names in order: a bare soname ({@code libcuda.so.1}) goes through the
 * system loader's search (LD_LIBRARY_PATH, the ld.so cache, the default folders), a path is opened
 * as given. The library stays loaded for the life of the JVM.
 */
// binding native code is this class's purpose: its restricted FFM calls (library lookup, downcalls,
// reinterpret) are allowed by --enable-native-access in jmae's JVM flags
@SuppressWarnings("restricted")
final class NativeLibrary {

    private final String soname;
    private final String loadedFrom;
    private final SymbolLookup lookup;

    private NativeLibrary(String soname, String loadedFrom, SymbolLookup lookup) {
        this.soname = soname;
        this.loadedFrom = loadedFrom;
        this.lookup = lookup;
    }

    /**
     * The outcome of trying to open a library: the library, or what was tried and why each failed.
     *
     * @param library the opened library, or null
     * @param tried each candidate tried, with the loader's message for those that failed
     */
    record Opened(NativeLibrary library, List<String> tried) {

        /** @return whether a candidate opened */
        boolean found() {
            return library != null;
        }

        /** @return the candidates tried, joined for a message */
        String triedList() {
            return String.join(", ", tried);
        }
    }

    /**
     * Opens the first candidate that loads.
     *
     * @param candidates sonames or paths, in order of preference
     * @return the library or the list of failures
     */
    static Opened open(List<String> candidates) {
        List<String> tried = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String c : candidates) {
            if (!seen.add(c)) {
                continue;
            }
            if (c.contains("/") && !Files.exists(Path.of(c))) {
                continue;
            }
            try {
                SymbolLookup lookup = SymbolLookup.libraryLookup(c, Arena.global());
                String file = Path.of(c).getFileName().toString();
                String from = mappedPath(file).orElse(c);
                tried.add(c);
                return new Opened(new NativeLibrary(file, from, lookup), List.copyOf(tried));
            } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
                tried.add(c + " (" + e.getMessage() + ")");
            }
        }
        return new Opened(null, List.copyOf(tried));
    }

    /**
     * Where the system loader found a library, read from /proc/self/maps (Linux), so a message can
     * name the file (e.g. a toolkit stub in a stubs/ folder).
     */
    private static Optional<String> mappedPath(String fileName) {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return Optional.empty();
        }
        String base = fileName.contains(".so") ? fileName.substring(0, fileName.indexOf(".so") + 3) : fileName;
        try {
            for (String line : Files.readAllLines(maps)) {
                int slash = line.indexOf('/');
                if (slash < 0) {
                    continue;
                }
                String path = line.substring(slash).trim();
                String name = Path.of(path).getFileName().toString();
                if (name.startsWith(base)) {
                    return Optional.of(path);
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** @return the name the library was opened by ({@code libcuda.so.1}) */
    String soname() {
        return soname;
    }

    /** @return the file the loader mapped, where known, else the name it was opened by */
    String loadedFrom() {
        return loadedFrom;
    }

    /**
     * Whether the library exports a symbol.
     *
     * @param symbol the name
     * @return true if found
     */
    boolean has(String symbol) {
        return lookup.find(symbol).isPresent();
    }

    /**
     * A function of this library bound lazily by its prototype.
     *
     * @param prototype the C prototype, e.g. {@code CUresult cuInit(unsigned int Flags)}
     * @return the binding
     */
    Binding bind(String prototype) {
        return new Binding(this, CPrototype.parse(prototype));
    }

    /**
     * One function: its prototype, and its downcall handle, created on first use.
     */
    static final class Binding {
        private final NativeLibrary library;
        private final CPrototype prototype;
        private volatile MethodHandle handle;

        private Binding(NativeLibrary library, CPrototype prototype) {
            this.library = library;
            this.prototype = prototype;
        }

        /** @return the symbol name */
        String name() {
            return prototype.name();
        }

        /** @return the prototype */
        CPrototype prototype() {
            return prototype;
        }

        /**
         * The downcall handle.
         *
         * @return the handle
         * @throws UnsupportedOperationException if the library does not export the symbol
         *     (an older version than these bindings were written for)
         */
        MethodHandle handle() {
            MethodHandle h = handle;
            if (h == null) {
                MemorySegment address = library.lookup.find(prototype.name()).orElseThrow(
                        () -> new UnsupportedOperationException(
                                library.loadedFrom + " does not export " + prototype.name()
                                        + " (an older version than these bindings need); hint: update the library"));
                h = Linker.nativeLinker().downcallHandle(address, prototype.descriptor());
                handle = h;
            }
            return h;
        }
    }
}
