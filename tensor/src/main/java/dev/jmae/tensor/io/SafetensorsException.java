package dev.jmae.tensor.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file that is malformed or unsupported: the message names the file and the
 * problem (header length past the end, offsets outside the data, unknown dtype, overlapping
 * tensors, ...).
 */
public class SafetensorsException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param file the file being read
     * @param problem what is wrong with it
     */
    public SafetensorsException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param file the file being read
     * @param problem what is wrong with it
     * @param cause the underlying failure
     */
    public SafetensorsException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
