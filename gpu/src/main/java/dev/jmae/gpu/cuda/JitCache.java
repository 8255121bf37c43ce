package dev.jmae.gpu.cuda;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The on-disk cache of compiled kernels (like TornadoVM's JIT cache, or the driver's own
 * {@code ~/.nv/ComputeCache} for PTX): NVRTC output is stored under a key that covers everything
 * the output depends on, so the first run on a machine compiles and every later run loads.
 *
 * <p>Key: SHA-256 of the entry format, the compiler's identity ({@code nvrtc 13.0}), the device's
 * compute capability, every option in order, and the SHA-256 of the source. A change to any of
 * them gives a new file; stale files are never read (and may be deleted by hand at any time).
 *
 * <p>Folder: {@code $XDG_CACHE_HOME/jmae/cuda}, else {@code ~/.cache/jmae/cuda}. Each entry is one
 * file {@code <key>.bin}: the magic {@code JMAEJIT1}, the key, the payload length and the payload's
 * SHA-256, then the payload. Writes go to a temporary file in the same folder that is then renamed
 * over the entry (atomic on POSIX file systems), so a reader sees a whole entry or none, and
 * processes compiling the same kernel at once both succeed. An entry that fails any check (bad
 * magic, another key, short, wrong hash) is logged as a warning, recompiled and rewritten. If the
 * folder cannot be written the cache works in memory only and says so once.
 *
 * <p>Thread-safe.
 */
final class JitCache {

    /** A source-to-image compiler (NVRTC in production, a fake in tests). */
    interface Compiler {
        /**
         * The compiler's identity for the cache key; a new version must give a new string.
         *
         * @return e.g. {@code nvrtc 13.0}
         */
        String version();

        /**
         * Compiles a translation unit.
         *
         * @param source the source
         * @param name the program name for messages
         * @param options options, one per element
         * @return the image
         */
        byte[] compile(String source, String name, List<String> options);
    }

    private static final System.Logger LOG = System.getLogger(JitCache.class.getName());
    private static final byte[] MAGIC = "JMAEJIT1".getBytes(StandardCharsets.US_ASCII);
    private static final int KEY_CHARS = 64;
    private static final int HEADER = MAGIC.length + KEY_CHARS + 8 + 32;

    private final Path directory;
    private final Compiler compiler;
    private volatile boolean diskUsable;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong compiles = new AtomicLong();
    private final AtomicLong corrupt = new AtomicLong();

    /**
     * Creates a cache.
     *
     * @param directory where entries live (created on first write), or null for memory only
     * @param compiler the compiler to run on a miss
     */
    JitCache(Path directory, Compiler compiler) {
        this.directory = directory;
        this.compiler = compiler;
        this.diskUsable = directory != null;
    }

    /**
     * The default folder: {@code $XDG_CACHE_HOME/jmae/cuda}, else {@code ~/.cache/jmae/cuda}.
     *
     * @return the folder (not created)
     */
    static Path defaultDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("jmae").resolve("cuda");
    }

    /** @return the cache folder, or null when memory only */
    Path directory() {
        return directory;
    }

    /** @return entries served from disk since creation */
    long hits() {
        return hits.get();
    }

    /** @return compilations run since creation */
    long compiles() {
        return compiles.get();
    }

    /** @return corrupt entries met (and replaced) since creation */
    long corruptEntries() {
        return corrupt.get();
    }

    /**
     * The key of one compilation.
     *
     * @param source the source text
     * @param options the compiler options, in order
     * @param computeCapability the device's, as 10·major + minor
     * @return 64 hex digits
     */
    String key(String source, List<String> options, int computeCapability) {
        MessageDigest d = sha256();
        update(d, "JMAEJIT1");
        update(d, compiler.version());
        update(d, "cc " + computeCapability);
        for (String o : options) {
            update(d, o);
        }
        update(d, HexFormat.of().formatHex(sha256().digest(source.getBytes(StandardCharsets.UTF_8))));
        return HexFormat.of().formatHex(d.digest());
    }

    private static void update(MessageDigest d, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        d.update(ByteBuffer.allocate(4).putInt(b.length).array());
        d.update(b);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * The image for a source: from disk when a valid entry exists, else compiled and stored.
     *
     * @param source the source text
     * @param name the program name for messages
     * @param options the compiler options
     * @param computeCapability the device's, as 10·major + minor
     * @return the compiled image
     */
    byte[] image(String source, String name, List<String> options, int computeCapability) {
        String key = key(source, options, computeCapability);
        Path file = directory == null ? null : directory.resolve(key + ".bin");
        if (file != null && Files.isRegularFile(file)) {
            byte[] payload = readEntry(file, key);
            if (payload != null) {
                hits.incrementAndGet();
                return payload;
            }
        }
        compiles.incrementAndGet();
        byte[] image = compiler.compile(source, name, options);
        if (file != null && diskUsable) {
            writeEntry(file, key, image);
        }
        return image;
    }

    /** The payload of a valid entry, or null (with a warning) for a corrupt one. */
    private byte[] readEntry(Path file, String key) {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            warnCorrupt(file, "unreadable (" + e.getMessage() + ")");
            return null;
        }
        if (all.length < HEADER || !Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            warnCorrupt(file, "no JMAEJIT1 header");
            return null;
        }
        String stored = new String(all, MAGIC.length, KEY_CHARS, StandardCharsets.US_ASCII);
        if (!stored.equals(key)) {
            warnCorrupt(file, "holds key " + stored);
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(all, MAGIC.length + KEY_CHARS, 8 + 32);
        long length = b.getLong();
        byte[] hash = new byte[32];
        b.get(hash);
        if (length != all.length - HEADER) {
            warnCorrupt(file, "payload of " + (all.length - HEADER) + " bytes, header says " + length);
            return null;
        }
        byte[] payload = Arrays.copyOfRange(all, HEADER, all.length);
        if (!Arrays.equals(hash, sha256().digest(payload))) {
            warnCorrupt(file, "payload hash mismatch");
            return null;
        }
        return payload;
    }

    private void warnCorrupt(Path file, String why) {
        corrupt.incrementAndGet();
        LOG.log(System.Logger.Level.WARNING, "JIT cache entry {0} is corrupt ({1}); recompiling and replacing it",
                file, why);
    }

    private void writeEntry(Path file, String key, byte[] payload) {
        Path tmp = null;
        try {
            Files.createDirectories(directory);
            ByteBuffer header = ByteBuffer.allocate(HEADER);
            header.put(MAGIC).put(key.getBytes(StandardCharsets.US_ASCII)).putLong(payload.length)
                    .put(sha256().digest(payload));
            tmp = Files.createTempFile(directory, key, ".tmp");
            byte[] all = new byte[HEADER + payload.length];
            System.arraycopy(header.array(), 0, all, 0, HEADER);
            System.arraycopy(payload, 0, all, HEADER, payload.length);
            Files.write(tmp, all);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException | RuntimeException e) {
            diskUsable = false;
            LOG.log(System.Logger.Level.WARNING, "cannot write the JIT cache in {0} ({1}); compiled kernels are kept"
                    + " in memory only for this run", directory, e.toString());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    // a leftover temporary file is harmless: it is never read
                }
            }
        }
    }
}
