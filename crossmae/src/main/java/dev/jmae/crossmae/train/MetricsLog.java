package dev.jmae.crossmae.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.tensor.io.AtomicFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The run's {@code metrics.jsonl}: one JSON object per line, {@code "type": "step"} every
 * log_every optimizer steps and {@code "type": "epoch"} after every epoch (with evaluation results
 * when evaluated). Appends, so a resumed run continues the same file.
 *
 * <p>The file stays a log of whole lines: each record is written with one write of the complete
 * line, and a write that fails part-way (a full disk) is cut back to the end of the previous
 * line, so no later run trips over half a record. A torn last line left by a kill is dropped, with a
 * warning, when the log is opened and skipped, with a warning, when it is read; any other line that
 * is not a JSON object is an error naming the file and the line. A resumed run first drops the
 * records past its checkpoint ({@link #rewind}), which it is about to log again, so the file holds
 * each step and epoch once, as an uninterrupted run's does.
 */
public final class MetricsLog implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final SeekableByteChannel out;

    /**
     * Opens (creating or appending to) the log; a torn last line is dropped with a warning.
     *
     * @param file the metrics.jsonl path
     * @param warnings where the warning goes
     * @throws IOException if it cannot be opened
     */
    public MetricsLog(Path file, PrintStream warnings) throws IOException {
        this(file, FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
                warnings);
    }

    /**
     * Opens the log over a channel (tests inject failing ones).
     *
     * @param file the path, for messages
     * @param channel the open channel, readable and writable
     * @param warnings where the warning about a torn last line goes
     * @throws IOException if the channel cannot be read
     */
    MetricsLog(Path file, SeekableByteChannel channel, PrintStream warnings) throws IOException {
        this.file = file;
        this.out = channel;
        long size = channel.size();
        long end = lastLineEnd(channel, size);
        if (end < size) {
            channel.truncate(end);
            warnings.printf(
                    "warning: %s ended in a torn line (%d bytes without a newline, left by a run that was killed"
                            + " or ran out of disk space); it was dropped%n",
                    file, size - end);
        }
        channel.position(end);
    }

    /** The length of the file up to and including its last newline. */
    private static long lastLineEnd(SeekableByteChannel ch, long size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8192);
        long pos = size;
        while (pos > 0) {
            int n = (int) Math.min(b.capacity(), pos);
            b.clear().limit(n);
            ch.position(pos - n);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // fill
            }
            for (int i = n - 1; i >= 0; i--) {
                if (b.get(i) == '\n') {
                    return pos - n + i + 1;
                }
            }
            pos -= n;
        }
        return 0;
    }

    /** @return a new empty record */
    public static ObjectNode record() {
        return JSON.createObjectNode();
    }

    /**
     * Appends one record as one complete line.
     *
     * @param record the JSON object
     * @throws UncheckedIOException naming the file (and a full disk as such) if the write fails;
     *     the file is then cut back to its previous length
     */
    public void write(ObjectNode record) {
        byte[] line;
        try {
            line = (JSON.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        long before = -1;
        try {
            before = out.size();
            out.position(before);
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                out.write(b);
            }
        } catch (IOException e) {
            if (before >= 0) {
                try {
                    out.truncate(before);
                    out.position(before);
                } catch (IOException again) {
                    e.addSuppressed(again);
                }
            }
            IOException told = WriteFailures.writing(file, e, "resume the run from its last checkpoint");
            throw new UncheckedIOException(told.getMessage(), told);
        }
    }

    /**
     * Reads every record of a metrics file; a torn last line is skipped with a warning on
     * standard error.
     *
     * @param file the metrics.jsonl path
     * @return the records in order (empty if the file does not exist)
     * @throws IOException if it cannot be read or a line other than a torn last one is not a JSON
     *     object (the message names the file and the line)
     */
    public static List<ObjectNode> read(Path file) throws IOException {
        return read(file, System.err);
    }

    /**
     * Reads every record of a metrics file.
     *
     * @param file the metrics.jsonl path
     * @param warnings where the warning about a torn last line goes
     * @return the records in order (empty if the file does not exist)
     * @throws IOException if it cannot be read or a line other than a torn last one is not a JSON
     *     object (the message names the file and the line)
     */
    public static List<ObjectNode> read(Path file, PrintStream warnings) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String[] lines = text.split("\n", -1);
        // the element after the last newline is "" for a whole file, else the torn last line
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) {
                continue;
            }
            boolean torn = i == lines.length - 1;
            ObjectNode r = parse(line);
            if (r == null) {
                if (torn) {
                    warnings.printf("warning: %s line %d is torn (no newline; a run was killed or ran out of disk space"
                            + " while writing it); skipped%n", file, i + 1);
                    continue;
                }
                throw new IOException(file + " line " + (i + 1) + " is not a JSON object: "
                        + (line.length() > 80 ? line.substring(0, 80) + "..." : line) + "; hint: delete that line (the"
                        + " metrics log holds one JSON object per line)");
            }
            out.add(r);
        }
        return out;
    }

    private static ObjectNode parse(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            return n instanceof ObjectNode o ? o : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /**
     * Drops the records past a checkpoint's position, which a run resumed from it logs again:
     * step records after its optimizer step and epoch records of its epoch and later. The file
     * is replaced atomically; a torn last line goes too.
     *
     * @param file the metrics.jsonl path
     * @param epoch the checkpoint's epoch (epochs completed, or the epoch it stopped in)
     * @param step the checkpoint's optimizer step count
     * @param warnings where warnings go
     * @return how many records were dropped
     * @throws IOException if the file cannot be read or written, or holds a line that is not JSON
     */
    public static int rewind(Path file, int epoch, long step, PrintStream warnings) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        List<ObjectNode> records = read(file, warnings);
        StringBuilder kept = new StringBuilder();
        int dropped = 0;
        for (ObjectNode r : records) {
            String type = r.path("type").asText();
            boolean past = type.equals("step") ? r.path("step").asLong() > step
                    : type.equals("epoch") && r.path("epoch").asInt() >= epoch;
            if (past) {
                dropped++;
            } else {
                kept.append(JSON.writeValueAsString(r)).append('\n');
            }
        }
        byte[] text = kept.toString().getBytes(StandardCharsets.UTF_8);
        if (dropped > 0 || text.length != Files.size(file)) {
            try {
                AtomicFiles.replace(file, ch -> {
                    ByteBuffer b = ByteBuffer.wrap(text);
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                });
            } catch (IOException e) {
                throw WriteFailures.writing(file, e, null);
            }
        }
        return dropped;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
