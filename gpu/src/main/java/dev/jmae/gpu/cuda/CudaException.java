package dev.jmae.gpu.cuda;

/**
 * A CUDA library call that returned an error status: names the call, the status code and the
 * library's name and description of it ({@code cuMemAlloc_v2(268435456 bytes) failed:
 * CUDA_ERROR_OUT_OF_MEMORY (2): out of memory}).
 *
 * <p>Errors from kernels (an illegal address, a device-side assertion) are reported by the next
 * call that synchronizes, not by the launch; after such an error the CUDA context is unusable and
 * the process must be restarted, which the message then says.
 */
public final class CudaException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String call;
    private final int code;
    private final String errorName;

    /**
     * Creates the exception.
     *
     * @param call the failed call with its salient arguments, e.g. {@code cuMemAlloc_v2(1024 bytes)}
     * @param code the status the library returned
     * @param errorName the status's symbolic name, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}
     * @param description the library's description of the status, or null
     * @param hint what to do about it, or null
     */
    CudaException(String call, int code, String errorName, String description, String hint) {
        super(call + " failed: " + errorName + " (" + code + ")"
                + (description == null || description.isBlank() ? "" : ": " + description)
                + (hint == null ? "" : "; hint: " + hint));
        this.call = call;
        this.code = code;
        this.errorName = errorName;
    }

    /** @return the failed call, with its salient arguments */
    public String call() {
        return call;
    }

    /** @return the status code the library returned */
    public int code() {
        return code;
    }

    /** @return the status's symbolic name */
    public String errorName() {
        return errorName;
    }
}
