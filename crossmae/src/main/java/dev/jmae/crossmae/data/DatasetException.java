package dev.jmae.crossmae.data;

import java.io.IOException;

/**
 * A dataset file that cannot be used: a corrupt or truncated IDX or CIFAR-10 file (the message
 * names the file and the byte offset where it went wrong), an image that cannot be decoded (the
 * message names the file and the decoder's reason), or no dataset where one was looked for (the
 * message says how to get one).
 */
public class DatasetException extends IOException {

    /**
     * Creates the exception.
     *
     * @param message the file, where it went wrong and why; ends with "hint: ..." when a fix is known
     */
    public DatasetException(String message) {
        super(message);
    }

    /**
     * Creates the exception with the underlying cause.
     *
     * @param message the file, where it went wrong and why
     * @param cause the decoder's or stream's exception
     */
    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
