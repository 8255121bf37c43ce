package dev.jmae.distributed;

/**
 * A collective failed: an MPI call returned an error (the message names the call, the rank and
 * MPI's error string), a collective outlived the process group's timeout, the ranks disagreed
 * (shapes, configs), or the process was launched without the launcher a backend needs.
 */
public class DistributedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed, ideally ending with a hint
     */
    public DistributedException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message what failed
     * @param cause the underlying failure
     */
    public DistributedException(String message, Throwable cause) {
        super(message, cause);
    }
}
