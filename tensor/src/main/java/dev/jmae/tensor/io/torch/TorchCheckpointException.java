package dev.jmae.tensor.io.torch;

import java.io.IOException;

/**
 * A PyTorch checkpoint that jmae refuses: malformed (the message names the file, the archive
 * entry and, for the pickle, the byte offset), of a format jmae does not read (the legacy
 * pre-1.6 format, TorchScript; the message says how to convert it), or holding a value float32
 * cannot represent. See {@link UnsafePickleException} for checkpoints that try to run code.
 */
public class TorchCheckpointException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the file, where it went wrong and why; ends with "hint: ..." when a fix is known
     */
    public TorchCheckpointException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message the file, where it went wrong and why
     * @param cause the underlying failure
     */
    public TorchCheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
