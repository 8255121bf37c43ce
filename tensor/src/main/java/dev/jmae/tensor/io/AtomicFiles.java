package dev.jmae.tensor.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Atomic file replacement: content is written to a uniquely named sibling (created with the
 * process's default permissions, unlike {@link Files#createTempFile}, which makes owner-only
 * files), forced to disk, then renamed over the target. A failure at any point leaves the target
 * as it was and removes the sibling.
 */
public final class AtomicFiles {

    /** Writes content to a channel. */
    @FunctionalInterface
    public interface Writer {
        /**
         * Writes the whole content.
         *
         * @param channel the open channel of the temporary file
         * @throws IOException if writing fails
         */
        void write(FileChannel channel) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * Replaces a file atomically.
     *
     * @param file the target; its parent directories are created
     * @param writer produces the content
     * @throws IOException if writing or renaming fails (the target is then unchanged)
     */
    public static void replace(Path file, Writer writer) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(
                "." + file.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writer.write(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Replaces a file atomically with what a stream-based writer produces.
     *
     * @param file the target
     * @param writer writes the content to the stream
     * @throws IOException if writing fails
     */
    public static void replaceStream(Path file, StreamWriter writer) throws IOException {
        replace(file, ch -> {
            OutputStream out = java.nio.channels.Channels.newOutputStream(ch);
            writer.write(out);
            out.flush();
        });
    }

    /** Writes content to a stream. */
    @FunctionalInterface
    public interface StreamWriter {
        /**
         * Writes the whole content.
         *
         * @param out the stream (do not close it)
         * @throws IOException if writing fails
         */
        void write(OutputStream out) throws IOException;
    }
}
