package dev.jmae.tensor.io.torch;

/**
 * A checkpoint whose pickle names a known code-execution entry point ({@code os.system},
 * {@code subprocess.Popen}, {@code builtins.eval}, ...; see {@link PickleGlobals}). jmae never
 * calls anything a pickle names, so reading such a file would be harmless, but the file exists
 * to attack whoever opens it with {@code torch.load}, so the whole file is refused and the
 * global named.
 */
public final class UnsafePickleException extends TorchCheckpointException {

    private static final long serialVersionUID = 1L;

    private final String global;

    /**
     * Creates the exception.
     *
     * @param message the file, the byte offset and the global
     * @param global the refused global, {@code module.name}
     */
    public UnsafePickleException(String message, String global) {
        super(message);
        this.global = global;
    }

    /**
     * The global that made the file refused.
     *
     * @return {@code module.name}, e.g. {@code os.system}
     */
    public String global() {
        return global;
    }
}
