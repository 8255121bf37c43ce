package dev.jmae.crossmae.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * I/O failures of what a run writes, told with the file and, when the disk is full, in those
 * words: the JDK reports a full disk as a bare "No space left on device" naming no file, and
 * XChart's PNG writer (through ImageIO) as "I/O error writing PNG file!", with the reason only in
 * the cause.
 */
public final class WriteFailures {

    private WriteFailures() {
    }

    /**
     * Whether a failure (or any of its causes) is a full disk or an exhausted quota (ENOSPC, EDQUOT).
     *
     * @param e the failure
     * @return true for a full disk
     */
    public static boolean diskFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("no space left on device") || m.contains("disk quota exceeded")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The failure to write a file, in words.
     *
     * @param file the file that was being written
     * @param e the failure
     * @param hint what to do next (without "hint: "), or null
     * @return an exception naming the file and, for a full disk, saying so; the original as its cause
     */
    public static IOException writing(Path file, IOException e, String hint) {
        String reason;
        if (diskFull(e)) {
            reason = "the disk is full (No space left on device)";
            hint = "free space on "
                    + (file.toAbsolutePath().getParent() == null ? file : file.toAbsolutePath().getParent())
                    + (hint == null ? "" : ", then " + hint);
        } else {
            reason = rootMessage(e);
        }
        return new IOException("cannot write " + file + ": " + reason + (hint == null ? "" : "; hint: " + hint), e);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName()
                : m.equals(e.getMessage()) ? m : e.getMessage() + " (" + m + ")";
    }
}
