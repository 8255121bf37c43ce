package dev.jmae.crossmae.train;

import dev.jmae.crossmae.config.ConfigException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The lock of a run directory, held while a run writes it: an exclusive {@link FileLock} on
 * {@code .lock} inside the directory, with the holder's pid written into the file. A second run on
 * the same directory fails at once naming the holder; the operating system drops the lock when the
 * holder exits, however it ends (kill -9 included), so a stale {@code .lock} file never blocks a
 * later run. In a data-parallel run only rank 0, which alone writes, takes it.
 *
 * <p>Holding the lock makes it safe to remove the litter of killed runs: the hidden temporary
 * files of interrupted atomic writes ({@code .checkpoint-last.safetensors.<hex>.tmp}, ...; see
 * {@link dev.jmae.tensor.io.AtomicFiles}), which no other process can be writing now.
 */
final class RunLock implements AutoCloseable {

    /** The lock file's name inside the run directory. */
    static final String FILE = ".lock";

    /** The name of an atomic write's temporary file: "." + target name + "." + hex + ".tmp". */
    private static final Pattern TEMPORARY = Pattern.compile("\\..+\\.[0-9a-f]+\\.tmp");

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of a run directory (creating the directory), or fails at once.
     *
     * @param dir the run directory
     * @return the held lock; close it when the run ends
     * @throws ConfigException if another process (or another run in this one) holds it, naming
     *     the holder's pid when it wrote one
     * @throws IOException if the lock file cannot be created
     */
    static RunLock acquire(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            ch.close();
            throw busy(dir, file, ProcessHandle.current().pid() + ", this process");
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String holder = holder(ch);
            ch.close();
            throw busy(dir, file, holder);
        }
        try {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new RunLock(ch, lock);
    }

    private static ConfigException busy(Path dir, Path file, String holder) {
        return new ConfigException("out", dir + " is in use by another jmae run (" + (holder == null ? "pid unknown"
                : "pid " + holder) + ", holding " + file + "); two runs writing one directory would interleave their"
                + " metrics and checkpoints; hint: wait for it to end (or stop it), or use another --out");
    }

    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b, 0);
            String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
            return s.matches("\\d+") ? s : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Removes the temporary files of interrupted atomic writes in the directory and its
     * {@code reconstructions/}; call it only while holding the lock.
     *
     * @param dir the run directory
     * @return the files removed
     * @throws IOException if the directory cannot be listed or a file removed
     */
    static List<Path> removeLitter(Path dir) throws IOException {
        List<Path> removed = new ArrayList<>();
        for (Path d : List.of(dir, dir.resolve("reconstructions"))) {
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(d)) {
                for (Path f : files) {
                    if (TEMPORARY.matcher(f.getFileName().toString()).matches() && Files.isRegularFile(f)) {
                        Files.delete(f);
                        removed.add(f);
                    }
                }
            }
        }
        return removed;
    }

    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            channel.close();
        }
    }
}
