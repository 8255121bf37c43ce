package dev.jmae.tensor;

/**
 * Thrown when a device is requested whose backend cannot run here, with the reason (no such
 * backend type, no OpenCL platform, a native library that failed to load...).
 */
public class BackendUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message why the backend is unavailable, ideally ending with a hint
     */
    public BackendUnavailableException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message why the backend is unavailable
     * @param cause the underlying failure
     */
    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
