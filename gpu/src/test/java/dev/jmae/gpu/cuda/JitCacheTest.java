package dev.jmae.gpu.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The on-disk kernel cache with a fake compiler (no NVRTC needed). */
class JitCacheTest {

    /** Compiles to "IMAGE(version,options):source" and counts its calls. */
    static final class FakeCompiler implements JitCache.Compiler {
        final String version;
        final List<String> compiled = new ArrayList<>();

        FakeCompiler(String version) {
            this.version = version;
        }

        @Override
        public String version() {
            return version;
        }

        @Override
        public byte[] compile(String source, String name, List<String> options) {
            compiled.add(name);
            return ("IMAGE(" + version + "," + String.join(" ", options) + "):" + source)
                    .getBytes(StandardCharsets.UTF_8);
        }
    }

    private static final List<String> OPTS = List.of("--gpu-architecture=sm_90", "-std=c++17");

    @Test
    void compilesOnceThenLoadsFromDiskInANewProcessLikeInstance(@TempDir Path dir) {
        FakeCompiler c1 = new FakeCompiler("nvrtc 13.0");
        byte[] first = new JitCache(dir, c1).image("kernel A", "a.cu", OPTS, 90);
        FakeCompiler c2 = new FakeCompiler("nvrtc 13.0");
        JitCache second = new JitCache(dir, c2);
        byte[] again = second.image("kernel A", "a.cu", OPTS, 90);
        assertArrayEquals(first, again);
        assertEquals(List.of("a.cu"), c1.compiled);
        assertEquals(List.of(), c2.compiled, "the second instance read the entry from disk");
        assertEquals(1, second.hits());
        assertEquals(0, second.compiles());
    }

    @Test
    void keyCoversSourceOptionsComputeCapabilityAndCompilerVersion(@TempDir Path dir) {
        JitCache base = new JitCache(dir, new FakeCompiler("nvrtc 13.0"));
        String k = base.key("src", OPTS, 90);
        assertEquals(k, base.key("src", List.copyOf(OPTS), 90));
        assertNotEquals(k, base.key("src ", OPTS, 90));
        assertNotEquals(k, base.key("src", List.of("--gpu-architecture=sm_90"), 90));
        assertNotEquals(k, base.key("src", List.of("-std=c++17", "--gpu-architecture=sm_90"), 90));
        assertNotEquals(k, base.key("src", OPTS, 80));
        assertNotEquals(k, new JitCache(dir, new FakeCompiler("nvrtc 12.8")).key("src", OPTS, 90));
        // options are length-prefixed: moving a boundary changes the key
        assertNotEquals(base.key("s", List.of("ab", "c"), 90), base.key("s", List.of("a", "bc"), 90));
        assertTrue(k.matches("[0-9a-f]{64}"), k);
    }

    @Test
    void corruptEntriesAreRecompiledAndReplaced(@TempDir Path dir) throws IOException {
        FakeCompiler c = new FakeCompiler("nvrtc 13.0");
        JitCache cache = new JitCache(dir, c);
        byte[] good = cache.image("kernel B", "b.cu", OPTS, 90);
        Path entry = dir.resolve(cache.key("kernel B", OPTS, 90) + ".bin");
        byte[] bytes = Files.readAllBytes(entry);
        List<byte[]> corruptions = new ArrayList<>();
        byte[] flipped = bytes.clone();
        flipped[flipped.length - 1] ^= 1;
        corruptions.add(flipped);
        corruptions.add(java.util.Arrays.copyOf(bytes, bytes.length - 3));
        corruptions.add("garbage".getBytes(StandardCharsets.US_ASCII));
        byte[] otherKey = bytes.clone();
        otherKey[8] = (byte) (otherKey[8] == 'a' ? 'b' : 'a');
        corruptions.add(otherKey);
        for (int i = 0; i < corruptions.size(); i++) {
            Files.write(entry, corruptions.get(i));
            JitCache fresh = new JitCache(dir, c);
            assertArrayEquals(good, fresh.image("kernel B", "b.cu", OPTS, 90), "corruption " + i);
            assertEquals(1, fresh.corruptEntries(), "corruption " + i);
            assertEquals(1, fresh.compiles(), "corruption " + i);
            assertArrayEquals(bytes, Files.readAllBytes(entry), "corruption " + i + ": the entry was rewritten");
        }
        assertEquals(1 + corruptions.size(), c.compiled.size());
    }

    @Test
    void writesLeaveNoTemporaryFiles(@TempDir Path dir) throws IOException {
        JitCache cache = new JitCache(dir.resolve("nested/cuda"), new FakeCompiler("v"));
        for (int i = 0; i < 5; i++) {
            cache.image("k" + i, "k.cu", OPTS, 90);
        }
        try (Stream<Path> s = Files.list(dir.resolve("nested/cuda"))) {
            List<String> names = s.map(p -> p.getFileName().toString()).toList();
            assertEquals(5, names.size(), names.toString());
            assertTrue(names.stream().allMatch(n -> n.matches("[0-9a-f]{64}\\.bin")), names.toString());
        }
    }

    @Test
    void anUnwritableFolderFallsBackToMemoryOnly(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("not-a-folder");
        Files.writeString(file, "x");
        FakeCompiler c = new FakeCompiler("v");
        JitCache cache = new JitCache(file.resolve("cuda"), c);
        byte[] a = cache.image("k", "k.cu", OPTS, 90);
        byte[] b = cache.image("k", "k.cu", OPTS, 90);
        assertArrayEquals(a, b);
        assertEquals(2, c.compiled.size(), "nothing cached on disk, each call compiles");
    }

    @Test
    void defaultFolderIsUnderTheUserCache() {
        Path d = JitCache.defaultDirectory();
        assertTrue(d.endsWith(Path.of("jmae", "cuda")), d.toString());
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            assertEquals(Path.of(xdg, "jmae", "cuda"), d);
        } else {
            assertEquals(Path.of(System.getProperty("user.home"), ".cache", "jmae", "cuda"), d);
        }
    }
}
