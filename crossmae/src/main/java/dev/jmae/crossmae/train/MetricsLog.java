package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The run's {@code metrics.jsonl}: one JSON object per line, {@code "type": "step"} every
 * log_every optimizer steps and {@code "type": "epoch"} after every epoch (with evaluation results
 * when evaluated). Appends, so a resumed run continues the same file; each line is flushed.
 */
public final class MetricsLog implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final BufferedWriter out;

    /**
     * Opens (creating or appending to) the log.
     *
     * @param file the metrics.jsonl path
     * @throws IOException if it cannot be opened
     */
    public MetricsLog(Path file) throws IOException {
        this.file = file;
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** @return a new empty record */
    public static ObjectNode record() {
        return JSON.createObjectNode();
    }

    /**
     * Appends one record.
     *
     * @param record the JSON object
     */
    public void write(ObjectNode record) {
        try {
            out.write(JSON.writeValueAsString(record));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * Reads every record of a metrics file.
     *
     * @param file the metrics.jsonl path
     * @return the records in order (empty if the file does not exist)
     * @throws IOException if it cannot be read or a line is not JSON
     */
    public static List<ObjectNode> read(Path file) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                out.add((ObjectNode) JSON.readTree(line));
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
