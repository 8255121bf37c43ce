package dev.jmae.gpu.cuda;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Where a CUDA toolkit lives on this machine, found the way nvcc users expect: {@code $CUDA_HOME},
 * {@code $CUDA_PATH}, the folder above the {@code nvcc} on {@code PATH}, {@code /usr/local/cuda}
 * and {@code /usr/local/cuda-*} (newest first). Used to find NVRTC and cuBLASLt when the system
 * loader does not, and by tests to find the headers.
 */
final class CudaToolkit {

    private CudaToolkit() {
    }

    /**
     * The candidate toolkit roots that exist, in order of preference.
     *
     * @return folders such as {@code /usr/local/cuda-13.0}
     */
    static List<Path> roots() {
        Set<Path> roots = new LinkedHashSet<>();
        addEnv(roots, "CUDA_HOME");
        addEnv(roots, "CUDA_PATH");
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path nvcc = Path.of(dir, "nvcc");
                if (Files.isExecutable(nvcc)) {
                    Path real = realPath(nvcc);
                    Path parent = real.getParent() == null ? null : real.getParent().getParent();
                    if (parent != null && Files.isDirectory(parent.resolve("include"))) {
                        roots.add(parent);
                    }
                }
            }
        }
        roots.add(Path.of("/usr/local/cuda"));
        Path local = Path.of("/usr/local");
        if (Files.isDirectory(local)) {
            try (Stream<Path> s = Files.list(local)) {
                s.filter(p -> p.getFileName().toString().startsWith("cuda-"))
                        .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed())
                        .forEach(roots::add);
            } catch (IOException e) {
                // an unreadable /usr/local just offers no candidates
            }
        }
        List<Path> out = new ArrayList<>();
        for (Path r : roots) {
            if (Files.isDirectory(r)) {
                out.add(realPath(r));
            }
        }
        return List.copyOf(new LinkedHashSet<>(out));
    }

    private static void addEnv(Set<Path> roots, String name) {
        String v = System.getenv(name);
        if (v != null && !v.isBlank()) {
            roots.add(Path.of(v.trim()));
        }
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    /**
     * Library folders of the toolkits ({@code lib64}, {@code lib}, {@code targets/<arch>/lib}).
     *
     * @return existing folders, in order of preference
     */
    static List<Path> libraryDirs() {
        List<Path> out = new ArrayList<>();
        for (Path root : roots()) {
            for (Path d : List.of(root.resolve("lib64"), root.resolve("lib"),
                    root.resolve("targets/x86_64-linux/lib"), root.resolve("targets/sbsa-linux/lib"))) {
                if (Files.isDirectory(d)) {
                    out.add(d);
                }
            }
        }
        return out;
    }

    /**
     * Include folders of the toolkits, then {@code /usr/include} (Debian's nvidia-cuda-dev).
     *
     * @return existing folders, in order of preference
     */
    static List<Path> includeDirs() {
        List<Path> out = new ArrayList<>();
        for (Path root : roots()) {
            for (Path d : List.of(root.resolve("include"), root.resolve("targets/x86_64-linux/include"))) {
                if (Files.isDirectory(d)) {
                    out.add(d);
                }
            }
        }
        out.add(Path.of("/usr/include"));
        return out;
    }

    /**
     * Library candidates for {@link NativeLibrary#open}: each soname through the system loader
     * first, then the same names in every toolkit library folder.
     *
     * @param sonames e.g. {@code libnvrtc.so.13}, {@code libnvrtc.so.12}
     * @return the candidates
     */
    static List<String> libraryCandidates(List<String> sonames) {
        List<String> out = new ArrayList<>(sonames);
        for (Path dir : libraryDirs()) {
            for (String name : sonames) {
                out.add(dir.resolve(name).toString());
            }
        }
        return out;
    }
}
